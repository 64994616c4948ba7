"""Ad templates in Spanish, Portuguese and English, per category, plus repost edits.

A template holds ``{slot}`` fields (``{Slot}`` capitalizes the value) and ``[a|b|c]``
alternatives; a leading ``<tag>`` ties it to a sub-kind of ad (``<seek>`` versus ``<hire>``)
so titles and bodies agree. :mod:`demosite.texts` fills them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pack:
    """Templates of one category in one language."""

    titles: tuple[str, ...]
    openings: tuple[str, ...]
    details: tuple[str, ...]
    closings: tuple[str, ...]


JOB_CATEGORIES: tuple[str, ...] = (
    "job_restaurant",
    "job_cleaning",
    "job_construction",
    "job_farm",
    "job_care",
    "job_hotel",
    "job_factory",
)

CATEGORIES: tuple[str, ...] = (
    "vehicle",
    "housing_rent",
    "housing_room",
    "housing_sale",
    "electronics",
    "furniture",
    "services",
    "personal",
    "domestic",
    *JOB_CATEGORIES,
    "job_abroad",
)

CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "es": {
        "vehicle": "Autos y motos",
        "housing_rent": "Alquileres",
        "housing_room": "Habitaciones",
        "housing_sale": "Inmuebles en venta",
        "electronics": "Celulares y electrónica",
        "furniture": "Hogar y muebles",
        "services": "Servicios",
        "personal": "Bienestar",
        "domestic": "Servicio doméstico",
        "job": "Empleos",
    },
    "pt": {
        "vehicle": "Carros e motos",
        "housing_rent": "Aluguel",
        "housing_room": "Quartos",
        "housing_sale": "Imóveis à venda",
        "electronics": "Celulares e eletrônicos",
        "furniture": "Casa e móveis",
        "services": "Serviços",
        "personal": "Bem-estar",
        "domestic": "Serviço doméstico",
        "job": "Empregos",
    },
    "en": {
        "vehicle": "Cars and motorbikes",
        "housing_rent": "Property to rent",
        "housing_room": "Rooms",
        "housing_sale": "Property for sale",
        "electronics": "Phones and electronics",
        "furniture": "Home and furniture",
        "services": "Services",
        "personal": "Wellbeing",
        "domestic": "Domestic help",
        "job": "Jobs",
    },
}


def category_name(category: str, language: str) -> str:
    """Human name of a category for breadcrumbs."""
    key = "job" if category.startswith("job_") else category
    return CATEGORY_NAMES[language][key]


PACKS: dict[str, dict[str, Pack]] = {
    "vehicle": {
        "es": Pack(
            titles=(
                "Vendo {vehicle} {year}",
                "{vehicle} año {year} [impecable|al día|como nuevo|full equipo]",
                "Se vende {vehicle} {year}, {mileage}",
                "[Oportunidad|Ocasión|Urgente]: {vehicle} {year} "
                "[automático|mecánico|diésel|naftero|flex]",
                "{vehicle} {year} [único dueño|papeles al día|recibo permuta]",
            ),
            openings=(
                "Vendo mi {vehicle} año {year}, color {color}, con {mileage} reales.",
                "Se vende {vehicle} {year} en excelente estado, [único dueño|segundo dueño], "
                "color {color}.",
                "Pongo a la venta mi {vehicle} modelo {year}, {mileage}, "
                "[muy bien cuidado|siempre en garaje|de uso particular].",
                "{vehicle} año {year} a la venta por [viaje|cambio de vehículo|motivos "
                "personales].",
            ),
            details=(
                "[Motor|Mecánica] impecable, [cubiertas nuevas|neumáticos nuevos], "
                "aire acondicionado funcionando.",
                "Papeles al día, cédula verde y título a mi nombre.",
                "Service recién hecho, nunca chocado ni [inundado|repintado].",
                "Acepto permuta por vehículo de menor valor y diferencia.",
                "Tiene alarma, levantavidrios eléctricos y cierre centralizado.",
                "Tapizado [en buen estado|de cuero], [radio con bluetooth|pantalla multimedia] "
                "y cámara de retroceso.",
                "Consumo económico, ideal para trabajo o uso familiar.",
                "Se entrega con [llave de repuesto|manual del propietario] y transferencia al día.",
            ),
            closings=(
                "Precio negociable, escucho ofertas razonables.",
                "Consultas sin compromiso, solo interesados.",
                "Se puede ver en {city} de lunes a sábado.",
                "No contesto mensajes de texto, mejor llamar.",
                "Financiación parcial con entrega inicial.",
            ),
        ),
        "pt": Pack(
            titles=(
                "Vendo {vehicle} {year}",
                "{vehicle} {year} [completo|único dono|impecável|revisado]",
                "{vehicle} ano {year}, {mileage}",
                "[Oportunidade|Abaixo da tabela|Urgente]: {vehicle} {year} "
                "[automático|manual|flex|diesel]",
                "Carro {vehicle} {year} [aceito troca|documentação ok|baixa quilometragem]",
            ),
            openings=(
                "Vendo meu {vehicle} ano {year}, cor {color}, com {mileage} rodados.",
                "{vehicle} {year} em ótimo estado, [único dono|segundo dono], cor {color}.",
                "Estou vendendo meu {vehicle} modelo {year}, {mileage}, "
                "[muito bem cuidado|sempre na garagem|uso particular].",
                "{vehicle} ano {year} à venda por motivo de [viagem|troca de carro|mudança].",
            ),
            details=(
                "Documentação em dia, IPVA 2026 pago.",
                "Revisões feitas na concessionária, manual e chave reserva.",
                "Pneus novos, ar-condicionado gelando, direção [hidráulica|elétrica].",
                "Aceito troca por carro de menor valor.",
                "Nunca bateu, sem detalhes na pintura.",
                "Vidros e travas elétricas, alarme e som com bluetooth.",
                "Carro muito econômico, ideal para trabalho ou família.",
                "Laudo cautelar aprovado, sem multas.",
            ),
            closings=(
                "Valor negociável, aceito proposta.",
                "Não atendo número oculto.",
                "Pode ver em {city}, horário comercial.",
                "Somente interessados, sem curiosos.",
                "Financio com entrada.",
            ),
        ),
        "en": Pack(
            titles=(
                "{year} {vehicle} for sale",
                "{vehicle} {year} [low mileage|full service history|one owner|excellent condition]",
                "For sale: {vehicle} {year}, {mileage}",
                "[Bargain|Quick sale|Must go]: {vehicle} {year} [automatic|manual|diesel|petrol]",
            ),
            openings=(
                "Selling my {year} {vehicle} in {color}, {mileage} on the clock.",
                "{vehicle} {year} in excellent condition, [one owner from new|two previous owners],"
                " {color}.",
                "Up for sale is my {vehicle}, {year} model, "
                "[well looked after|garage kept|never smoked in].",
                "{year} {vehicle} for sale due to [moving abroad|upgrading|a change of job].",
            ),
            details=(
                "[Long MOT|MOT until next year], full service history and two keys.",
                "New tyres, the air conditioning works perfectly, no warning lights.",
                "Never been in an accident, minor marks on the rear bumper.",
                "Electric windows, central locking, bluetooth and parking sensors.",
                "Very economical and cheap to insure, ideal first car.",
                "Cambelt changed recently, receipts available.",
                "Happy for a mechanic to inspect it before purchase.",
            ),
            closings=(
                "Price is slightly negotiable, no time wasters.",
                "Viewing in {city}, evenings and weekends.",
                "Cash or bank transfer on collection.",
                "Part exchange considered.",
                "Call or text for more details.",
            ),
        ),
    },
    "housing_rent": {
        "es": Pack(
            titles=(
                "Alquilo departamento de {rooms} dormitorios en {zone}",
                "Se alquila [dpto.|departamento] [amoblado|sin muebles] en {zone}, {city}",
                "Departamento en alquiler, {rooms} habitaciones, {m2} m²",
                "Alquiler de casa con [patio|quincho|piscina] en {zone}",
                "Alquilo [casa|dúplex] de {rooms} dormitorios cerca de "
                "[shopping|la avenida principal|la universidad]",
            ),
            openings=(
                "Alquilo departamento de {rooms} dormitorios, {m2} m², en {zone}, {city}.",
                "Se alquila amplio [departamento|dúplex|casa] en {zone} con seguridad las 24 "
                "horas.",
                "Disponible para alquiler [casa|departamento] de {rooms} habitaciones en zona "
                "[tranquila|céntrica|residencial] de {city}.",
                "Ofrezco en alquiler [departamento a estrenar|casa recién pintada] en {zone}.",
            ),
            details=(
                "Cuenta con living comedor, cocina equipada, {baths} baños y lavadero.",
                "Incluye aire acondicionado en todas las habitaciones y estacionamiento para un "
                "vehículo.",
                "Zona tranquila, cerca de supermercados, colegios y paradas de ómnibus.",
                "Requisitos: garante o depósito de dos meses, contrato mínimo de un año.",
                "Expensas incluidas en el precio del alquiler.",
                "Edificio con ascensor, piscina y [gimnasio|quincho] de uso común.",
                "Los servicios de luz y agua corren por cuenta del inquilino.",
                "Se aceptan mascotas pequeñas.",
            ),
            closings=(
                "Disponible desde el {day} de {month}.",
                "Visitas con cita previa.",
                "Preferentemente parejas o familias pequeñas.",
                "Consultas por llamada o mensaje.",
            ),
        ),
        "pt": Pack(
            titles=(
                "Alugo apartamento de {rooms} quartos em {zone}",
                "Apartamento para alugar, {m2} m², {city}",
                "Aluga-se casa com [quintal|churrasqueira|piscina] em {zone}",
                "Aluguel de [apartamento|sobrado|kitnet] [mobiliado|sem mobília] em {zone}",
            ),
            openings=(
                "Alugo apartamento de {rooms} quartos, {m2} m², no bairro {zone}, {city}.",
                "Aluga-se [casa|sobrado|apartamento] amplo em {zone}, condomínio com portaria "
                "24 horas.",
                "Disponível para aluguel [casa|apartamento] com {rooms} quartos em região "
                "[tranquila|central|residencial] de {city}.",
            ),
            details=(
                "Sala para dois ambientes, cozinha planejada, {baths} banheiros e área de serviço.",
                "Uma vaga de garagem coberta, prédio com elevador.",
                "Perto de mercado, escolas e ponto de ônibus.",
                "Exige fiador ou caução de três meses, contrato de 30 meses.",
                "Condomínio e IPTU inclusos no valor do aluguel.",
                "Lazer completo com piscina, academia e salão de festas.",
                "Aceita animais de pequeno porte.",
            ),
            closings=(
                "Disponível a partir de {day} de {month}.",
                "Visitas somente com agendamento.",
                "Tratar direto com o proprietário.",
                "Chame para mais informações.",
            ),
        ),
        "en": Pack(
            titles=(
                "{rooms} bed flat to rent in {zone}",
                "Spacious {rooms} bedroom [apartment|house] to let, {city}",
                "[Furnished|Unfurnished] {rooms} bedroom flat, {zone}",
                "House to rent in {zone}, close to [shops|the station|schools]",
            ),
            openings=(
                "{rooms} bedroom flat available to rent in {zone}, {city}, about {m2} m².",
                "Spacious [flat|terraced house|maisonette] in {zone} with "
                "[a private garden|allocated parking|a balcony].",
                "We are letting a [newly decorated|modern] {rooms} bedroom property in a quiet "
                "part of {city}.",
            ),
            details=(
                "Fully furnished, with gas central heating and double glazing.",
                "Deposit of five weeks' rent, bills not included.",
                "Close to the train station, bus routes and local shops.",
                "Open plan kitchen and lounge, {baths} bathrooms and a separate utility room.",
                "Council tax band B, EPC rating C.",
                "Sorry, no pets and no smokers.",
                "Suitable for professionals or a small family.",
            ),
            closings=(
                "Available from {day} {month}.",
                "Viewings by appointment only.",
                "Contact the landlord directly, no agency fees.",
                "Call or message to arrange a viewing.",
            ),
        ),
    },
    "housing_room": {
        "es": Pack(
            titles=(
                "Alquilo habitación amoblada para [estudiante|señorita|persona sola] en {zone}",
                "Pieza en alquiler con baño privado, {city}",
                "Se alquila habitación en casa de familia, {zone}",
                "Habitación [individual|compartida] con todos los servicios incluidos",
            ),
            openings=(
                "Se alquila habitación amoblada en casa de familia, en {zone}.",
                "Alquilo pieza [con baño privado|con ventilador y aire] cerca de "
                "[la universidad|el centro|la terminal].",
                "Tengo disponible una habitación [individual|amplia] en {city}, zona {zone}.",
            ),
            details=(
                "Incluye luz, agua, wifi y uso de cocina.",
                "Ideal para estudiantes o trabajadores, ambiente tranquilo.",
                "Entrada independiente y lavadero compartido.",
                "Se pide un mes de depósito y el pago por adelantado.",
                "Cama, ropero y escritorio incluidos.",
            ),
            closings=(
                "Solo personas responsables, no se permiten visitas nocturnas.",
                "Disponible de inmediato.",
                "Consultas por mensaje o llamada.",
            ),
        ),
        "pt": Pack(
            titles=(
                "Alugo quarto mobiliado para [estudante|moça|rapaz] em {zone}",
                "<single>Quarto individual com banheiro próprio, {city}",
                "<shared>Vaga em quarto compartilhado perto do metrô",
                "Aluga-se quarto em casa de família, {zone}",
            ),
            openings=(
                "Alugo quarto mobiliado em casa de família no bairro {zone}.",
                "<single>Tenho um quarto [individual|amplo] disponível em {city}, região {zone}.",
                "<shared>Vaga para [moça|rapaz] em quarto compartilhado, região {zone}.",
            ),
            details=(
                "Inclui água, luz e internet, uso da cozinha e lavanderia.",
                "Ideal para estudantes ou quem trabalha fora.",
                "Entrada independente, ambiente tranquilo e seguro.",
                "<single>Cama, guarda-roupa e escrivaninha inclusos.",
                "Pagamento adiantado e um mês de caução.",
            ),
            closings=(
                "Somente pessoas responsáveis, não aceito visitas.",
                "Disponível imediatamente.",
                "Mais informações por mensagem.",
            ),
        ),
        "en": Pack(
            titles=(
                "<double>Double room to rent in shared house, {zone}",
                "<single>Single room available now, all bills included",
                "Room to let in {city}, [close to the university|near the station|quiet house]",
                "Large room in a friendly houseshare",
            ),
            openings=(
                "<double>Double room available in a friendly shared house in {zone}.",
                "<single>Single room to rent in {city}, {zone} area, available now.",
            ),
            details=(
                "All bills included: gas, electricity, water and broadband.",
                "Shared kitchen and bathroom, a cleaner comes once a fortnight.",
                "Suits a working professional or a mature student.",
                "One month deposit and the first month in advance.",
                "Bed, wardrobe and desk included.",
            ),
            closings=(
                "No couples, no smokers.",
                "Available immediately.",
                "Message me to arrange a viewing.",
            ),
        ),
    },
    "housing_sale": {
        "es": Pack(
            titles=(
                "<home>Vendo casa de {rooms} dormitorios en {zone}",
                "<plot>Venta de terreno de {m2} m² en {city}",
                "<home>Se vende [dúplex|departamento] a estrenar en {zone}",
                "<home>Casa en venta con título al día, {city}",
            ),
            openings=(
                "<home>Vendo casa de {rooms} dormitorios en {zone}, {city}, sobre terreno de "
                "{m2} m².",
                "<plot>Se vende [terreno|lote] de {m2} m² en zona [residencial|en crecimiento] de "
                "{city}.",
                "<home>En venta [dúplex|departamento] de {rooms} habitaciones a estrenar en "
                "{zone}.",
            ),
            details=(
                "Título de propiedad al día, acepto financiación bancaria.",
                "<home>Cuenta con {baths} baños, cocina amplia, patio y garaje para dos autos.",
                "Calle asfaltada, con luz y agua corriente.",
                "Ideal para inversión o vivienda familiar.",
                "Acepto vehículo como parte de pago.",
            ),
            closings=(
                "Precio conversable.",
                "Trato directo con el dueño, sin intermediarios.",
                "Visitas con cita previa.",
            ),
        ),
        "pt": Pack(
            titles=(
                "<home>Vendo casa {rooms} quartos em {zone}",
                "<plot>Terreno à venda, {m2} m², em {city}",
                "<home>[Apartamento|Sobrado] novo à venda em {zone}",
                "<home>Casa à venda com escritura, {city}",
            ),
            openings=(
                "<home>Vendo casa com {rooms} quartos no bairro {zone}, {city}, terreno de {m2} "
                "m².",
                "<plot>Terreno de {m2} m² à venda em região [residencial|em crescimento] de "
                "{city}.",
            ),
            details=(
                "Escritura ok, aceita financiamento bancário.",
                "<home>{baths} banheiros, cozinha ampla, quintal e garagem para dois carros.",
                "Rua asfaltada, com água e luz.",
                "Ótimo para investimento ou moradia.",
                "Aceito carro como parte do pagamento.",
            ),
            closings=("Valor negociável.", "Direto com o proprietário.", "Agende sua visita."),
        ),
        "en": Pack(
            titles=(
                "<home>{rooms} bedroom house for sale in {zone}",
                "<plot>Building plot for sale, {m2} m², {city}",
                "<home>[Semi-detached|Terraced|Detached] house for sale, {zone}",
            ),
            openings=(
                "<home>{rooms} bedroom [semi-detached|terraced|detached] house for sale in {zone}, "
                "{city}.",
                "<plot>Building plot of {m2} m² with outline planning permission on the edge of "
                "{city}.",
            ),
            details=(
                "Freehold, no onward chain.",
                "<home>{baths} bathrooms, large kitchen diner, garden and a driveway for two cars.",
                "Close to good schools and transport links.",
                "Ideal for investors or first-time buyers.",
                "<home>Recently rewired with a new boiler.",
            ),
            closings=(
                "Offers considered.",
                "Private sale, no agents please.",
                "Viewings by appointment.",
            ),
        ),
    },
    "electronics": {
        "es": Pack(
            titles=(
                "Vendo {item} {cond}",
                "{item} [como nuevo|impecable|poco uso], con caja",
                "Liquido {item} por viaje",
                "{item} - [precio de oportunidad|recibo ofertas|con garantía]",
            ),
            openings=(
                "Vendo {item} en [excelente|muy buen] estado, con todos sus accesorios.",
                "Pongo a la venta mi {item}, comprado hace {months} meses.",
                "Tengo para la venta {item}, {cond}, "
                "[sin detalles|funcionando al cien por ciento].",
            ),
            details=(
                "Batería al {batt}%, sin rayones ni golpes.",
                "Incluye cargador original, funda y protector de pantalla.",
                "Funciona perfecto, se vende por cambio de equipo.",
                "Con factura de compra y garantía vigente.",
                "Libre para cualquier operadora.",
                "Nunca fue reparado ni abierto.",
            ),
            closings=(
                "Entrego en {zone} o hago envío por delivery.",
                "No acepto cambios, precio fijo.",
                "Se puede probar antes de comprar.",
                "Respondo consultas por mensaje.",
            ),
        ),
        "pt": Pack(
            titles=(
                "Vendo {item} {cond}",
                "{item} [seminovo|impecável|pouco uso] na caixa",
                "{item} - [preço de ocasião|aceito propostas|com garantia]",
                "Passo {item} [por motivo de viagem|urgente]",
            ),
            openings=(
                "Vendo {item} em [ótimo|excelente] estado, com todos os acessórios.",
                "Estou vendendo meu {item}, comprado há {months} meses.",
                "Tenho um {item} {cond}, [sem marcas de uso|funcionando perfeitamente].",
            ),
            details=(
                "Bateria em {batt}%, sem riscos nem trincados.",
                "Acompanha carregador original, capinha e película.",
                "Funciona perfeitamente, vendo porque troquei de aparelho.",
                "Com nota fiscal e garantia.",
                "Desbloqueado para qualquer operadora.",
                "Nunca foi aberto nem consertado.",
            ),
            closings=(
                "Entrego em {zone} ou envio pelos Correios.",
                "Não aceito trocas.",
                "Pode testar antes de comprar.",
                "Respondo por mensagem.",
            ),
        ),
        "en": Pack(
            titles=(
                "{item} for sale, {cond}",
                "{item} [boxed|like new|hardly used]",
                "{item} - [quick sale|open to offers|with receipt]",
                "Selling my {item}",
            ),
            openings=(
                "Selling my {item} in [excellent|great] condition with all accessories.",
                "Up for sale: {item}, bought {months} months ago.",
                "I have this {item} for sale, {cond}, [no scratches|works perfectly].",
            ),
            details=(
                "Battery health {batt}%, no scratches or dents.",
                "Comes with the original charger, a case and a screen protector.",
                "Works perfectly, only selling because I upgraded.",
                "Receipt and warranty included.",
                "Unlocked to all networks.",
                "Never been repaired or opened.",
            ),
            closings=(
                "Collection from {zone} or can post.",
                "No swaps, the price is firm.",
                "Happy for you to test it before buying.",
                "Message me with any questions.",
            ),
        ),
    },
    "furniture": {
        "es": Pack(
            titles=(
                "Vendo {fitem}",
                "{fitem} en buen estado",
                "Liquido {fitem} por mudanza",
                "{fitem} [casi nuevo|de calidad|a buen precio]",
            ),
            openings=(
                "Vendo {fitem} en buen estado, con {years} años de uso.",
                "Por mudanza vendo {fitem}, [muy bien conservado|sin detalles].",
                "Tengo para la venta {fitem} [de madera maciza|de fabricación nacional|importado].",
            ),
            details=(
                "Medidas a consultar, se puede ver sin compromiso.",
                "Tiene pequeños detalles de uso que no afectan su funcionamiento.",
                "Se entrega desarmado para facilitar el traslado.",
                "El flete corre por cuenta del comprador.",
                "Muy resistente y fácil de limpiar.",
            ),
            closings=(
                "Retirar en {zone}.",
                "Precio conversable para retiro inmediato.",
                "Envío fotos adicionales por mensaje.",
            ),
        ),
        "pt": Pack(
            titles=(
                "Vendo {fitem}",
                "{fitem} em bom estado",
                "Desapego: {fitem}",
                "{fitem} [quase novo|de qualidade|barato]",
            ),
            openings=(
                "Vendo {fitem} em bom estado, com {years} anos de uso.",
                "Por motivo de mudança vendo {fitem}, [bem conservado|sem detalhes].",
            ),
            details=(
                "Medidas sob consulta, pode ver sem compromisso.",
                "Tem pequenas marcas de uso que não atrapalham.",
                "Entrego desmontado para facilitar o transporte.",
                "Frete por conta do comprador.",
                "Muito resistente e fácil de limpar.",
            ),
            closings=(
                "Retirar em {zone}.",
                "Preço negociável para retirada imediata.",
                "Mando mais fotos por mensagem.",
            ),
        ),
        "en": Pack(
            titles=(
                "{fitem} for sale",
                "{fitem} in good condition",
                "Moving sale: {fitem}",
                "{fitem} [barely used|good quality|bargain]",
            ),
            openings=(
                "Selling a {fitem} in good condition, {years} years old.",
                "Moving house so selling our {fitem}, [well looked after|no damage].",
            ),
            details=(
                "Measurements on request, happy for you to view.",
                "A few signs of wear that do not affect use.",
                "Can be dismantled for easy transport.",
                "Buyer collects, I can help load.",
                "Very sturdy and easy to clean.",
            ),
            closings=(
                "Collection from {zone}.",
                "Reduced for a quick sale.",
                "More photos available on request.",
            ),
        ),
    },
    "services": {
        "es": Pack(
            titles=(
                "Servicio de {service} en {city}",
                "{Service}: presupuesto sin costo",
                "Ofrezco {service}, trabajos garantizados",
                "{Service} a domicilio, [rápido y prolijo|todos los días|también fines de semana]",
            ),
            openings=(
                "Ofrezco servicio de {service} en {city} y alrededores, con {years} años de "
                "experiencia.",
                "Realizo trabajos de {service} a domicilio, "
                "[responsable y puntual|con herramientas propias].",
            ),
            details=(
                "Presupuesto sin compromiso.",
                "Atiendo urgencias los fines de semana.",
                "Trabajo con garantía por escrito.",
                "Referencias de clientes disponibles.",
                "Materiales a cargo del cliente o incluidos según el trabajo.",
            ),
            closings=(
                "Llamá o escribí para coordinar una visita.",
                "Atención de lunes a sábado.",
                "Cubro toda la zona de {zone} y alrededores.",
            ),
        ),
        "pt": Pack(
            titles=(
                "Serviço de {service} em {city}",
                "{Service}: orçamento sem compromisso",
                "Faço {service}, serviço garantido",
                "{Service} a domicílio, [rápido e caprichado|todos os dias|inclusive fim de "
                "semana]",
            ),
            openings=(
                "Ofereço serviço de {service} em {city} e região, com {years} anos de experiência.",
                "Faço {service} a domicílio, [responsável e pontual|com ferramentas próprias].",
            ),
            details=(
                "Orçamento sem compromisso.",
                "Atendo emergências no fim de semana.",
                "Serviço com garantia.",
                "Tenho referências de clientes.",
                "Material por conta do cliente ou incluso, conforme o serviço.",
            ),
            closings=(
                "Ligue ou chame no WhatsApp para agendar.",
                "Atendimento de segunda a sábado.",
                "Atendo {zone} e região.",
            ),
        ),
        "en": Pack(
            titles=(
                "{Service} in {city}",
                "{Service} - free quotes",
                "Reliable {service}, fully insured",
                "{Service} [7 days a week|same day service|evenings and weekends]",
            ),
            openings=(
                "I offer {service} across {city} and the surrounding areas, {years} years' "
                "experience.",
                "Local tradesperson offering {service}, [reliable and tidy|own tools and van].",
            ),
            details=(
                "Free, no obligation quotes.",
                "Emergency call-outs at weekends.",
                "All work guaranteed.",
                "References from previous customers available.",
                "Materials supplied or the customer's own.",
            ),
            closings=(
                "Call or message to book a visit.",
                "Available Monday to Saturday.",
                "Covering {zone} and nearby.",
            ),
        ),
    },
    "personal": {
        "es": Pack(
            titles=(
                "<massage>Masajes relajantes a domicilio",
                "<massage>Masajista profesional en {zone}",
                "<company>Señorita ofrece compañía para eventos",
                "<massage>Masajes descontracturantes con cita previa",
                "<company>Acompañante para cenas y eventos sociales en {city}",
            ),
            openings=(
                "<massage>Masajista con experiencia ofrece masajes relajantes y "
                "descontracturantes en "
                "{city}.",
                "<company>Soy {name}, tengo {age} años y ofrezco compañía para cenas, eventos y "
                "viajes.",
                "Atiendo en ambiente privado y discreto en {zone}, también a domicilio.",
            ),
            details=(
                "Horario de {h1} a {h2} hs, solo con cita previa.",
                "Trato amable y discreto, solo mayores de edad.",
                "<massage>Masajes con aceites aromáticos, piedras calientes y música relajante.",
                "<company>Educada, de buena presencia y buena conversación.",
                "<massage>Sesiones de una hora o media hora.",
            ),
            closings=(
                "Escribime por WhatsApp para coordinar.",
                "No atiendo números privados.",
                "Consultá disponibilidad con anticipación.",
            ),
        ),
        "pt": Pack(
            titles=(
                "<massage>Massagem relaxante a domicílio",
                "<massage>Massoterapeuta em {zone}",
                "<company>Acompanhante para eventos e jantares",
                "<massage>Massagem terapêutica com hora marcada",
                "<company>Companhia para eventos sociais em {city}",
            ),
            openings=(
                "<massage>Massoterapeuta com experiência oferece massagem relaxante e "
                "terapêutica em {city}.",
                "<company>Sou {name}, tenho {age} anos e ofereço companhia para jantares, "
                "eventos e viagens.",
                "Atendo em local reservado e discreto em {zone}, também a domicílio.",
            ),
            details=(
                "Atendimento das {h1} às {h2} horas, somente com hora marcada.",
                "Atendimento educado e discreto, somente maiores de idade.",
                "<massage>Massagem com óleos aromáticos, pedras quentes e música ambiente.",
                "<company>Educada, boa aparência e boa conversa.",
                "<massage>Sessões de uma hora ou meia hora.",
            ),
            closings=(
                "Me chama no WhatsApp para combinar.",
                "Não atendo número privado.",
                "Consulte disponibilidade com antecedência.",
            ),
        ),
        "en": Pack(
            titles=(
                "<massage>Relaxing massage, home visits",
                "<massage>Professional massage therapist in {zone}",
                "<company>Companion for dinners and events",
                "<massage>Deep tissue massage by appointment",
                "<company>Elegant companion for social events in {city}",
            ),
            openings=(
                "<massage>Experienced therapist offering relaxing and deep tissue massage in "
                "{city}.",
                "<company>I am {name}, {age}, offering companionship for dinners, events and "
                "travel.",
                "Private and discreet location in {zone}, home visits also available.",
            ),
            details=(
                "Open from {h1}:00 to {h2}:00, by appointment only.",
                "Friendly and discreet, adults only.",
                "<massage>Aromatherapy oils, hot stones and relaxing music.",
                "<company>Well presented, educated and good company.",
                "<massage>Sessions of one hour or thirty minutes.",
            ),
            closings=(
                "Message me on WhatsApp to book.",
                "No withheld numbers.",
                "Please book in advance.",
            ),
        ),
    },
    "domestic": {
        "es": Pack(
            titles=(
                "<seek>Busco trabajo como empleada doméstica",
                "<seek>Se ofrece señora para limpieza por día",
                "<hire>Se busca niñera con cama adentro",
                "<hire>Necesito empleada doméstica con referencias",
                "<seek>Me ofrezco para cuidar niños o adultos mayores",
            ),
            openings=(
                "<seek>Señora responsable de {age} años busca trabajo de limpieza, cocina y "
                "planchado.",
                "<hire>Se busca empleada doméstica para casa de familia en {zone}, "
                "[cama adentro|cama afuera].",
                "<seek>Me ofrezco como niñera o cuidadora, tengo {years} años de experiencia.",
            ),
            details=(
                "<seek>Disponibilidad de lunes a viernes, con o sin cama adentro.",
                "<hire>Requisito: referencias laborales y certificado de antecedentes.",
                "<hire>Se ofrece salario según ley, con seguro social y aguinaldo.",
                "<seek>Sé cocinar comida casera y hacer las compras.",
                "<seek>Tengo referencias comprobables de trabajos anteriores.",
            ),
            closings=(
                "Llamar en horario de oficina.",
                "<hire>Interesadas comunicarse al número de contacto.",
                "Zona {zone} o alrededores.",
            ),
        ),
        "pt": Pack(
            titles=(
                "<seek>Procuro trabalho como diarista",
                "<hire>Precisa-se de empregada doméstica que durma no emprego",
                "<seek>Babá com experiência e referências",
                "<seek>Ofereço-me para cuidar de idosos",
                "<seek>Diarista disponível em {city}",
            ),
            openings=(
                "<seek>Senhora responsável de {age} anos procura trabalho de limpeza, cozinha e "
                "passadoria.",
                "<hire>Precisa-se de empregada doméstica para casa de família em {zone}, "
                "[dormindo no emprego|sem dormir].",
                "<seek>Sou babá e cuidadora com {years} anos de experiência.",
            ),
            details=(
                "<seek>Disponível de segunda a sexta, dormindo ou não no emprego.",
                "<hire>Exigimos referências e atestado de antecedentes.",
                "<hire>Salário conforme a lei, com carteira assinada.",
                "<seek>Sei cozinhar comida caseira e fazer compras.",
                "<seek>Tenho referências de trabalhos anteriores.",
            ),
            closings=(
                "Ligar em horário comercial.",
                "<hire>Interessadas entrar em contato.",
                "Região de {zone} ou próximo.",
            ),
        ),
        "en": Pack(
            titles=(
                "<seek>Experienced cleaner available",
                "<hire>Live-in nanny wanted",
                "<seek>Housekeeper looking for work",
                "<seek>Carer available for elderly people",
                "<hire>Domestic cleaner needed in {zone}",
            ),
            openings=(
                "<seek>Reliable cleaner, {age}, looking for regular cleaning, ironing and "
                "cooking work.",
                "<hire>Family in {zone} looking for a [live-in|live-out] nanny and housekeeper.",
                "<seek>I am a nanny and carer with {years} years' experience.",
            ),
            details=(
                "<seek>Available Monday to Friday, live-in or live-out.",
                "<hire>References and a DBS check required.",
                "<hire>Paid at least the national living wage, with holiday pay.",
                "<seek>I can cook, shop and run errands.",
                "<seek>References from previous families available.",
            ),
            closings=(
                "Please call during office hours.",
                "<seek>Contact me on the number below.",
                "{Zone} area or nearby.",
            ),
        ),
    },
    "job": {
        "es": Pack(
            titles=(
                "Se busca {role} en {city}",
                "{Role} para {company}",
                "Oferta de empleo: {role} ({city})",
                "[Urge|Necesitamos|Buscamos] {role}, incorporación inmediata",
                "Trabajo de {role} [a jornada completa|por horas|fines de semana]",
            ),
            openings=(
                "En {company} buscamos {role} para [nuestro centro|nuestro equipo|nuestra sede] "
                "de {city}.",
                "Se necesita {role} con o sin experiencia para incorporación inmediata en {city}.",
                "{company} selecciona {role} para "
                "[temporada alta|cubrir vacaciones|ampliación de plantilla].",
            ),
            details=(
                "Funciones: {tasks}.",
                "Horario: {schedule}.",
                "Requisitos: [experiencia mínima de un año|ganas de trabajar y responsabilidad|"
                "permiso de trabajo en vigor|carnet de conducir].",
                "Ofrecemos contrato {contract}, {benefits} y buen ambiente de trabajo.",
                "Se valorará experiencia previa en puesto similar.",
                "Formación a cargo de la empresa.",
            ),
            closings=(
                "Interesados enviar currículum o llamar.",
                "Incorporación inmediata.",
                "Entrevistas esta misma semana.",
            ),
        ),
        "pt": Pack(
            titles=(
                "Vaga de {role} em {city}",
                "{Role} - {company}",
                "Contrata-se {role} ({city})",
                "[Urgente|Precisamos de|Procuramos] {role}, início imediato",
                "Trabalho de {role} [período integral|meio período|fins de semana]",
            ),
            openings=(
                "A {company} procura {role} para [nossa unidade|nossa equipe] de {city}.",
                "Precisa-se de {role} com ou sem experiência para início imediato em {city}.",
                "{company} contrata {role} para [alta temporada|cobrir férias|ampliação da "
                "equipe].",
            ),
            details=(
                "Atividades: {tasks}.",
                "Horário: {schedule}.",
                "Requisitos: [experiência mínima de um ano|vontade de trabalhar e "
                "responsabilidade|documentação em dia|CNH categoria B].",
                "Oferecemos contrato {contract}, {benefits} e bom ambiente de trabalho.",
                "Experiência anterior será um diferencial.",
                "Treinamento por conta da empresa.",
            ),
            closings=(
                "Interessados enviar currículo ou ligar.",
                "Início imediato.",
                "Entrevistas ainda esta semana.",
            ),
        ),
        "en": Pack(
            titles=(
                "{Role} wanted in {city}",
                "{Role} - {company}",
                "Job: {role} ({city})",
                "[Urgent|Now hiring|We need a] {role}, immediate start",
                "{Role} [full time|part time|weekends]",
            ),
            openings=(
                "{company} is looking for a {role} to join [our site|our team|our branch] in "
                "{city}.",
                "{Role} needed, with or without experience, immediate start in {city}.",
                "{company} is recruiting {role} staff for "
                "[the busy season|holiday cover|a growing team].",
            ),
            details=(
                "Duties: {tasks}.",
                "Hours: {schedule}.",
                "Requirements: [at least one year of experience|a good work ethic|"
                "the right to work in the country|a full driving licence].",
                "We offer a {contract} contract, {benefits} and a friendly team.",
                "Previous experience in a similar role is an advantage.",
                "Full training provided.",
            ),
            closings=(
                "Send your CV or give us a call.",
                "Immediate start.",
                "Interviews this week.",
            ),
        ),
    },
    "job_abroad": {
        "es": Pack(
            titles=(
                "Trabajo en {abroad} con pasaje y visa pagados",
                "Urgente: chicas para trabajar en {abroad}",
                "Oportunidad de trabajo en {abroad}, sin experiencia",
                "Empleo en el exterior, alojamiento incluido",
                "Se buscan jóvenes para trabajo en {abroad}, salida inmediata",
                "Trabajo bien pago en {abroad} para [señoritas|parejas|hombres y mujeres]",
            ),
            openings=(
                "Agencia seria busca personal para trabajar en {abroad} como {role_abroad}.",
                "Buscamos señoritas de {age1} a {age2} años para trabajo de {role_abroad} en "
                "{abroad}.",
                "Trabajo en {abroad} para personas con ganas de progresar, como {role_abroad}.",
                "Se necesitan {roles_abroad} para {abroad}, salida "
                "[esta semana|este mes|inmediata].",
            ),
            details=(
                "Pasaje y visa pagados, alojamiento y comida incluidos.",
                "No se necesita experiencia ni hablar el idioma.",
                "Ganancias de hasta {money} por mes.",
                "Nosotros nos encargamos de todos los trámites y guardamos tu pasaporte por "
                "seguridad.",
                "El costo del viaje se descuenta del sueldo en cómodas cuotas.",
                "Salida inmediata, cupos limitados.",
                "Se requiere buena presencia.",
                "No hace falta contrato, te explicamos todo al llegar.",
                "Trabajo de acompañante en bar nocturno, s3x opcional.",
            ),
            closings=(
                "Contacto solo por WhatsApp, no atendemos llamadas.",
                "Escribir solo por Telegram.",
                "Discreción total, no es necesario contar a la familia.",
                "Interesadas enviar foto y edad por WhatsApp.",
            ),
        ),
        "pt": Pack(
            titles=(
                "Vaga no exterior com passagem paga",
                "Trabalho em {abroad}, não precisa de experiência",
                "Moças para trabalhar em {abroad}, hospedagem inclusa",
                "Oportunidade em {abroad}: passagem e visto pagos",
                "Emprego fora do país, embarque imediato",
            ),
            openings=(
                "Agência séria contrata pessoas para trabalhar em {abroad} como {role_abroad}.",
                "Procuramos moças de {age1} a {age2} anos para trabalhar de {role_abroad} em "
                "{abroad}.",
                "Precisa-se de {roles_abroad} para {abroad}, embarque "
                "[esta semana|este mês|imediato].",
            ),
            details=(
                "Passagem e visto pagos pela agência, moradia e alimentação inclusas.",
                "Não precisa de experiência nem falar o idioma.",
                "Ganhos de até {money} por mês.",
                "A agência fica com seu passaporte para sua segurança.",
                "O valor da passagem é descontado do salário.",
                "Embarque imediato, poucas vagas.",
                "Exigimos boa aparência.",
                "Não precisa de contrato, explicamos tudo na chegada.",
                "Trabalho de acompanhante em casa noturna, s3x opcional.",
            ),
            closings=(
                "Contato somente por WhatsApp, não atendemos ligações.",
                "Fale conosco só pelo Telegram.",
                "Sigilo total, não precisa contar para a família.",
                "Interessadas mandar foto e idade no WhatsApp.",
            ),
        ),
        "en": Pack(
            titles=(
                "Jobs abroad - visa and ticket paid",
                "Work in {abroad}, no experience needed",
                "Girls wanted for hostess work in {abroad}",
                "Overseas jobs with free accommodation",
                "Earn big in {abroad}, leave this week",
            ),
            openings=(
                "Agency recruiting staff to work in {abroad} as {role_abroad}.",
                "We are looking for young women aged {age1} to {age2} to work as {roles_abroad} "
                "in {abroad}.",
                "{Roles_abroad} needed in {abroad}, "
                "[departure this week|start this month|immediate start].",
            ),
            details=(
                "Visa and flight ticket paid, free accommodation and meals.",
                "No experience needed, no language required.",
                "Earn up to {money} per month.",
                "We keep your passport safe during your contract.",
                "Travel costs are deducted from your wages.",
                "Leave this week, limited places.",
                "Good appearance required.",
                "No contract needed, we explain everything when you arrive.",
                "Hostess work in a night club, s3x optional.",
            ),
            closings=(
                "Contact only by WhatsApp, no calls.",
                "Message us on Telegram only.",
                "Total discretion, no need to tell your family.",
                "Interested girls send a photo and your age by WhatsApp.",
            ),
        ),
    },
}

#: Obfuscations seen in work-abroad ads: (word as written, as disguised).
OBFUSCATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "es": (
        ("visa", "v.i.s.a"),
        ("WhatsApp", "w h a t s a p p"),
        ("pasaje", "p.a.s.a.j.e"),
        ("pasaporte", "pasap0rte"),
        ("Telegram", "t e l e g r a m"),
    ),
    "pt": (
        ("visto", "v.i.s.t.o"),
        ("WhatsApp", "w h a t s a p p"),
        ("passagem", "p@ssagem"),
        ("passaporte", "passap0rte"),
        ("Telegram", "t e l e g r a m"),
    ),
    "en": (
        ("visa", "v.i.s.a"),
        ("WhatsApp", "w h a t s a p p"),
        ("ticket", "t1cket"),
        ("passport", "p4ssport"),
        ("Telegram", "t e l e g r a m"),
    ),
}

REPOST_PREFIXES: dict[str, tuple[str, ...]] = {
    "es": ("URGENTE: ", "¡Oferta! ", "OPORTUNIDAD - ", "Nuevo: ", "Sigue disponible: "),
    "pt": ("URGENTE: ", "Promoção! ", "OPORTUNIDADE - ", "Novo: ", "Ainda disponível: "),
    "en": ("URGENT: ", "Reduced! ", "Still available: ", "New: ", "Reposted: "),
}

REPOST_LINES: dict[str, tuple[str, ...]] = {
    "es": (
        "Publicado nuevamente por falta de seriedad.",
        "Sigue disponible.",
        "Aprovechá, es el último.",
    ),
    "pt": ("Anúncio republicado.", "Ainda disponível.", "Aproveite, é o último."),
    "en": ("Reposted due to time wasters.", "Still available.", "Don't miss out."),
}
