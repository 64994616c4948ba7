"""Word lists of the demo world: places, names, employers, goods, jobs and places abroad.

Pure data. ``texts`` builds ad wording from it; ``phones`` uses the Brazilian area codes so
a number from São Paulo starts with 11.
"""

from __future__ import annotations

from .model import Place

PLACES: dict[str, tuple[Place, ...]] = {
    "PY": (
        Place("Asunción", "Central", "PY"),
        Place("Asunción", "Central", "PY"),
        Place("San Lorenzo", "Central", "PY"),
        Place("Luque", "Central", "PY"),
        Place("Capiatá", "Central", "PY"),
        Place("Lambaré", "Central", "PY"),
        Place("Fernando de la Mora", "Central", "PY"),
        Place("Limpio", "Central", "PY"),
        Place("Ñemby", "Central", "PY"),
        Place("Mariano Roque Alonso", "Central", "PY"),
        Place("Ciudad del Este", "Alto Paraná", "PY"),
        Place("Hernandarias", "Alto Paraná", "PY"),
        Place("Presidente Franco", "Alto Paraná", "PY"),
        Place("Encarnación", "Itapúa", "PY"),
        Place("Pedro Juan Caballero", "Amambay", "PY"),
        Place("Coronel Oviedo", "Caaguazú", "PY"),
        Place("Concepción", "Concepción", "PY"),
        Place("Villarrica", "Guairá", "PY"),
        Place("Caacupé", "Cordillera", "PY"),
        Place("Salto del Guairá", "Canindeyú", "PY"),
        Place("Pilar", "Ñeembucú", "PY"),
    ),
    "BR": (
        Place("São Paulo", "SP", "BR", "11"),
        Place("São Paulo", "SP", "BR", "11"),
        Place("Guarulhos", "SP", "BR", "11"),
        Place("Campinas", "SP", "BR", "19"),
        Place("Rio de Janeiro", "RJ", "BR", "21"),
        Place("Niterói", "RJ", "BR", "21"),
        Place("Belo Horizonte", "MG", "BR", "31"),
        Place("Curitiba", "PR", "BR", "41"),
        Place("Foz do Iguaçu", "PR", "BR", "45"),
        Place("Florianópolis", "SC", "BR", "48"),
        Place("Porto Alegre", "RS", "BR", "51"),
        Place("Brasília", "DF", "BR", "61"),
        Place("Goiânia", "GO", "BR", "62"),
        Place("Salvador", "BA", "BR", "71"),
        Place("Recife", "PE", "BR", "81"),
        Place("Fortaleza", "CE", "BR", "85"),
        Place("Belém", "PA", "BR", "91"),
        Place("Manaus", "AM", "BR", "92"),
        Place("Vitória", "ES", "BR", "27"),
        Place("Campo Grande", "MS", "BR", "67"),
    ),
    "ES": (
        Place("Madrid", "Madrid", "ES"),
        Place("Madrid", "Madrid", "ES"),
        Place("Barcelona", "Cataluña", "ES"),
        Place("Valencia", "Comunidad Valenciana", "ES"),
        Place("Alicante", "Comunidad Valenciana", "ES"),
        Place("Sevilla", "Andalucía", "ES"),
        Place("Málaga", "Andalucía", "ES"),
        Place("Almería", "Andalucía", "ES"),
        Place("Huelva", "Andalucía", "ES"),
        Place("Zaragoza", "Aragón", "ES"),
        Place("Murcia", "Región de Murcia", "ES"),
        Place("Palma", "Islas Baleares", "ES"),
        Place("Bilbao", "País Vasco", "ES"),
        Place("Lleida", "Cataluña", "ES"),
        Place("Valladolid", "Castilla y León", "ES"),
        Place("Las Palmas de Gran Canaria", "Canarias", "ES"),
    ),
    "GB": (
        Place("London", "Greater London", "GB"),
        Place("London", "Greater London", "GB"),
        Place("Manchester", "Greater Manchester", "GB"),
        Place("Birmingham", "West Midlands", "GB"),
        Place("Leeds", "West Yorkshire", "GB"),
        Place("Liverpool", "Merseyside", "GB"),
        Place("Bristol", "Bristol", "GB"),
        Place("Sheffield", "South Yorkshire", "GB"),
        Place("Leicester", "Leicestershire", "GB"),
        Place("Glasgow", "Scotland", "GB"),
        Place("Cardiff", "Wales", "GB"),
        Place("Belfast", "Northern Ireland", "GB"),
        Place("Peterborough", "Cambridgeshire", "GB"),
        Place("Boston", "Lincolnshire", "GB"),
        Place("Norwich", "Norfolk", "GB"),
    ),
}

#: Neighbourhoods of the big cities, used as ``{zone}`` in housing and service ads.
CITY_ZONES: dict[str, tuple[str, ...]] = {
    "Asunción": (
        "Villa Morra",
        "Barrio Jara",
        "Sajonia",
        "Recoleta",
        "Carmelitas",
        "Las Mercedes",
        "Barrio Obrero",
        "Trinidad",
        "Mburucuyá",
        "Los Laureles",
        "San Vicente",
        "Loma Pytã",
    ),
    "São Paulo": (
        "Vila Mariana",
        "Moema",
        "Pinheiros",
        "Tatuapé",
        "Santana",
        "Lapa",
        "Mooca",
        "Itaquera",
    ),
    "Rio de Janeiro": ("Copacabana", "Tijuca", "Botafogo", "Méier", "Barra da Tijuca"),
    "Madrid": ("Lavapiés", "Chamberí", "Vallecas", "Carabanchel", "Tetuán", "Usera"),
    "Barcelona": ("Gràcia", "Sants", "Poblenou", "El Raval", "Nou Barris"),
    "London": (
        "Camden",
        "Hackney",
        "Brixton",
        "Croydon",
        "Ealing",
        "Stratford",
        "Walthamstow",
    ),
    "Manchester": ("Salford", "Fallowfield", "Didsbury", "Levenshulme"),
}

#: Neighbourhood names found in most towns of a country, for the other cities.
TOWN_ZONES: dict[str, tuple[str, ...]] = {
    "PY": (
        "Barrio Centro",
        "Barrio San José",
        "Barrio San Miguel",
        "Barrio Santa Lucía",
        "Barrio San Blas",
        "Barrio Obrero",
    ),
    "BR": ("Centro", "Jardim América", "Vila Nova", "Santa Cruz", "São José", "Boa Vista"),
    "ES": ("el centro", "el Ensanche", "San José", "La Estación", "el Casco Antiguo"),
    "GB": ("the town centre", "Westfield", "Park Road", "Victoria Park", "Queens Road"),
}


def zones_for(city: str, country: str) -> tuple[str, ...]:
    """Neighbourhoods to pick from for an ad in ``city``."""
    return CITY_ZONES.get(city) or TOWN_ZONES[country]


FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "es": (
        "María",
        "José",
        "Juan",
        "Carlos",
        "Ana",
        "Lucía",
        "Rodrigo",
        "Fernanda",
        "Diego",
        "Sofía",
        "Miguel",
        "Laura",
        "Gustavo",
        "Liz",
        "Derlis",
        "Nilda",
        "Ramón",
        "Gloria",
        "Víctor",
        "Rocío",
        "Osvaldo",
        "Mirna",
        "Hugo",
        "Celeste",
        "Marcos",
        "Patricia",
    ),
    "pt": (
        "Ana",
        "João",
        "Maria",
        "Pedro",
        "Luiz",
        "Juliana",
        "Rafael",
        "Camila",
        "Bruno",
        "Larissa",
        "Thiago",
        "Aline",
        "Marcelo",
        "Patrícia",
        "Gabriel",
        "Renata",
        "Felipe",
        "Vanessa",
        "Rodrigo",
        "Daniela",
        "Lucas",
        "Fernanda",
    ),
    "en": (
        "James",
        "Emma",
        "Oliver",
        "Sophie",
        "Daniel",
        "Chloe",
        "Thomas",
        "Amy",
        "Jack",
        "Hannah",
        "Ryan",
        "Megan",
        "Liam",
        "Grace",
        "Adam",
        "Lucy",
        "Sam",
        "Jess",
    ),
}

SURNAMES: dict[str, tuple[str, ...]] = {
    "es": (
        "González",
        "Benítez",
        "Martínez",
        "López",
        "Giménez",
        "Rojas",
        "Báez",
        "Duarte",
        "Ortiz",
        "Villalba",
        "Acosta",
        "Ramírez",
        "Cáceres",
        "Fernández",
        "Sánchez",
        "Ruiz",
    ),
    "pt": (
        "Silva",
        "Santos",
        "Oliveira",
        "Souza",
        "Pereira",
        "Costa",
        "Ferreira",
        "Almeida",
        "Rodrigues",
        "Lima",
        "Carvalho",
        "Gomes",
        "Ribeiro",
        "Martins",
    ),
    "en": (
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Wilson",
        "Evans",
        "Thomas",
        "Roberts",
        "Walker",
        "Wright",
        "Hughes",
        "Green",
        "Hall",
        "Clarke",
    ),
}

#: Reserved example domains: addresses look real but can never reach anyone.
EMAIL_DOMAINS: tuple[str, ...] = (
    "example.com",
    "example.net",
    "example.org",
    "mail.example.com",
    "correo.example.net",
    "webmail.example.org",
)

COMPANIES: dict[str, tuple[str, ...]] = {
    "job_restaurant": (
        "Restaurante El Olivo",
        "Grupo Hostelero Sabores",
        "Cervecería La Plaza",
        "Pizzería Bella Napoli",
        "Asador Don Julio",
        "Café Central",
    ),
    "job_cleaning": (
        "Limpiezas Brillo S.L.",
        "Servicios Integrales Clean",
        "Multiservicios Norte",
        "Limpiezas Levante S.L.",
    ),
    "job_construction": (
        "Construcciones Hermanos Ruiz",
        "Obras y Reformas Atlas S.L.",
        "Edifica Sur",
        "Reformas Integrales Delta",
    ),
    "job_farm": (
        "AgroHuelva Frutas",
        "Cooperativa Campo Verde",
        "Invernaderos del Poniente",
        "Frutas Segrià S.A.",
        "Hortícola Almeriense",
    ),
    "job_care": (
        "Residencia Los Álamos",
        "Cuidamos en Casa",
        "Asistencia Familiar Senior",
        "Centro de Día San Rafael",
    ),
    "job_hotel": (
        "Hotel Mediterráneo Playa",
        "Grupo Hotelero Costa Azul",
        "Hostal La Estación",
        "Aparthotel Sol y Mar",
    ),
    "job_factory": (
        "Conservas del Norte S.A.",
        "Logística Iberia Hub",
        "Embalajes Levante",
        "Industrias Cárnicas Roca",
        "Textil Moderna S.L.",
    ),
    "job_abroad": (
        "Agencia Internacional de Empleo",
        "Global Work Europe",
        "Oportunidades Europa",
        "Euro Talent Recruit",
        "Agencia Nuevo Horizonte",
        "Work & Travel Partners",
    ),
}

#: Destinations named by the work-abroad ads, per language.
ABROAD: dict[str, tuple[str, ...]] = {
    "es": ("España", "Italia", "Japón", "Dubái", "Turquía", "Portugal", "Argentina", "Chile"),
    "pt": ("Espanha", "Portugal", "Itália", "Japão", "Dubai", "Suíça", "Inglaterra"),
    "en": ("Spain", "Dubai", "Italy", "Japan", "Turkey", "the UK", "Portugal", "Malta"),
}

MONTHS: dict[str, tuple[str, ...]] = {
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "pt": (
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


# ------------------------------------------------------- values for template slots

VEHICLES = (
    "Toyota Corolla",
    "Toyota Hilux",
    "Toyota Vitz",
    "Toyota Premio",
    "Nissan March",
    "Nissan Frontier",
    "Kia Picanto",
    "Kia Sportage",
    "Hyundai Tucson",
    "Hyundai HB20",
    "Chevrolet Onix",
    "Chevrolet S10",
    "Volkswagen Gol",
    "Volkswagen Amarok",
    "Fiat Strada",
    "Ford Ranger",
    "Honda Fit",
    "Renault Sandero",
    "Suzuki Swift",
    "Mitsubishi L200",
    "Honda CG 150",
    "Yamaha YBR 125",
)

COLORS = {
    "es": ("blanco", "negro", "gris plata", "rojo", "azul", "gris oscuro", "bordó"),
    "pt": ("branco", "preto", "prata", "vermelho", "azul", "cinza", "vinho"),
    "en": ("white", "black", "silver", "red", "blue", "dark grey", "burgundy"),
}

GADGETS = {
    "es": (
        "iPhone 13 de 128 GB",
        "iPhone 11",
        "Samsung Galaxy S22",
        "Samsung Galaxy A54",
        "Xiaomi Redmi Note 12",
        "Motorola Moto G84",
        "notebook Lenovo IdeaPad",
        "notebook HP 15",
        "PlayStation 5",
        "Xbox Series S",
        "Smart TV Samsung de 50 pulgadas",
        "Smart TV LG de 43 pulgadas",
        "iPad de 9ª generación",
        "parlante JBL Flip 6",
        "Apple Watch Serie 7",
        "cámara Canon EOS Rebel",
    ),
    "pt": (
        "iPhone 13 128 GB",
        "iPhone 11",
        "Samsung Galaxy S22",
        "Samsung Galaxy A54",
        "Xiaomi Redmi Note 12",
        "Motorola Moto G84",
        "notebook Lenovo IdeaPad",
        "notebook Dell Inspiron",
        "PlayStation 5",
        "Xbox Series S",
        "Smart TV Samsung 50 polegadas",
        "Smart TV LG 43 polegadas",
        "iPad 9ª geração",
        "caixa de som JBL Flip 6",
        "Apple Watch Série 7",
        "câmera Canon EOS Rebel",
    ),
    "en": (
        "iPhone 13 128GB",
        "iPhone 11",
        "Samsung Galaxy S22",
        "Samsung Galaxy A54",
        "Xiaomi Redmi Note 12",
        "Motorola Moto G84",
        "Lenovo IdeaPad laptop",
        "HP 15 laptop",
        "PlayStation 5",
        "Xbox Series S",
        "Samsung 50 inch smart TV",
        "LG 43 inch smart TV",
        "iPad 9th generation",
        "JBL Flip 6 speaker",
        "Apple Watch Series 7",
        "Canon EOS Rebel camera",
    ),
}

GADGET_CONDITION = {
    "es": ("usado", "como nuevo", "nuevo en caja", "semi nuevo", "impecable"),
    "pt": ("usado", "seminovo", "novo na caixa", "impecável", "conservado"),
    "en": ("used", "like new", "brand new and sealed", "in excellent condition", "in good nick"),
}

FURNITURE = {
    "es": (
        "juego de comedor de 6 sillas",
        "sofá de 3 cuerpos",
        "ropero de 4 puertas",
        "cama de dos plazas con colchón",
        "escritorio de madera",
        "heladera con freezer",
        "lavarropas automático",
        "cocina a gas de 4 hornallas",
        "juego de living",
        "mesa de centro de vidrio",
        "estante para libros",
        "cómoda de 5 cajones",
    ),
    "pt": (
        "jogo de jantar com 6 cadeiras",
        "sofá de 3 lugares",
        "guarda-roupa de 4 portas",
        "cama de casal com colchão",
        "escrivaninha de madeira",
        "geladeira frost free",
        "máquina de lavar",
        "fogão 4 bocas",
        "rack para TV",
        "mesa de centro de vidro",
        "estante de livros",
        "cômoda de 5 gavetas",
    ),
    "en": (
        "dining table with 6 chairs",
        "3-seater sofa",
        "double wardrobe",
        "double bed with mattress",
        "solid oak desk",
        "fridge freezer",
        "washing machine",
        "gas cooker",
        "TV unit",
        "glass coffee table",
        "bookcase",
        "chest of drawers",
    ),
}

SERVICES = {
    "es": (
        "plomería",
        "electricidad",
        "pintura de interiores y exteriores",
        "fletes y mudanzas",
        "jardinería y limpieza de patios",
        "reparación de celulares",
        "clases particulares de matemáticas",
        "instalación de aire acondicionado",
        "peluquería a domicilio",
        "albañilería en general",
    ),
    "pt": (
        "encanamento",
        "elétrica residencial",
        "pintura de paredes",
        "fretes e mudanças",
        "jardinagem e limpeza de quintal",
        "conserto de celular",
        "aulas particulares de matemática",
        "instalação de ar-condicionado",
        "cabeleireira a domicílio",
        "serviços de pedreiro",
    ),
    "en": (
        "plumbing",
        "electrical work",
        "painting and decorating",
        "removals and man with a van",
        "gardening and garden clearance",
        "phone screen repair",
        "private maths tutoring",
        "air conditioning installation",
        "mobile hairdressing",
        "general building work",
    ),
}

JOB_ROLES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "job_restaurant": {
        "es": (
            (
                "camarero/a",
                "ayudante de cocina",
                "cocinero/a",
                "friegaplatos",
                "repartidor/a",
                "barista",
            ),
            (
                "atención en sala, servicio de mesas y barra",
                "preparación de platos, limpieza de cocina y control de pedidos",
                "elaboración del menú diario y mantenimiento de la cocina",
            ),
        ),
        "pt": (
            (
                "garçom ou garçonete",
                "auxiliar de cozinha",
                "cozinheiro(a)",
                "lavador(a) de pratos",
                "entregador(a)",
                "barista",
            ),
            (
                "atendimento no salão, serviço de mesas e bar",
                "preparo de pratos, limpeza da cozinha e controle de pedidos",
                "preparo do cardápio do dia e organização da cozinha",
            ),
        ),
        "en": (
            (
                "waiter or waitress",
                "kitchen porter",
                "line cook",
                "dishwasher",
                "delivery driver",
                "barista",
            ),
            (
                "serving tables, running the bar and taking payments",
                "food prep, cleaning down the kitchen and checking deliveries",
                "cooking the daily menu and keeping the kitchen in order",
            ),
        ),
    },
    "job_cleaning": {
        "es": (
            (
                "limpiador/a de oficinas",
                "personal de limpieza",
                "limpiador/a de portales",
                "peón de limpieza industrial",
            ),
            (
                "limpieza de oficinas, baños y zonas comunes",
                "limpieza de portales, escaleras y cristales",
                "limpieza de naves industriales con maquinaria",
            ),
        ),
        "pt": (
            ("auxiliar de limpeza", "faxineira", "zelador(a)", "auxiliar de limpeza industrial"),
            (
                "limpeza de escritórios, banheiros e áreas comuns",
                "limpeza de escadas, corredores e vidros",
                "limpeza de galpões com máquinas",
            ),
        ),
        "en": (
            ("office cleaner", "cleaning operative", "commercial cleaner", "industrial cleaner"),
            (
                "cleaning offices, toilets and communal areas",
                "cleaning stairwells, corridors and windows",
                "cleaning warehouses with ride-on machines",
            ),
        ),
    },
    "job_construction": {
        "es": (
            (
                "peón de obra",
                "albañil oficial de primera",
                "encofrador",
                "pintor",
                "electricista de obra",
                "yesero",
            ),
            (
                "carga y descarga de materiales, preparación de mezcla y limpieza de obra",
                "levantamiento de muros, alicatado y reformas",
                "montaje de encofrados y ferralla",
            ),
        ),
        "pt": (
            (
                "servente de obra",
                "pedreiro",
                "carpinteiro de forma",
                "pintor",
                "eletricista",
                "gesseiro",
            ),
            (
                "carga e descarga de material, preparo de massa e limpeza da obra",
                "levantamento de paredes, reboco e assentamento de piso",
                "montagem de formas e armação",
            ),
        ),
        "en": (
            (
                "labourer",
                "bricklayer",
                "formwork carpenter",
                "painter and decorator",
                "site electrician",
                "plasterer",
            ),
            (
                "loading and unloading materials, mixing and keeping the site tidy",
                "bricklaying, blockwork and general building",
                "erecting formwork and fixing rebar",
            ),
        ),
    },
    "job_farm": {
        "es": (
            (
                "peón agrícola",
                "recolector/a de fresa",
                "temporero/a para la campaña de la naranja",
                "tractorista",
                "operario/a de invernadero",
                "mozo/a de almacén de frutas",
            ),
            (
                "recolección, poda y mantenimiento de cultivos",
                "recolección y envasado de fruta en el campo",
                "manejo de tractor y aperos, riego y fumigación",
            ),
        ),
        "pt": (
            (
                "trabalhador rural",
                "colhedor(a) de morango",
                "safrista para a colheita de laranja",
                "tratorista",
                "auxiliar de estufa",
                "ajudante de packing house",
            ),
            (
                "colheita, poda e manutenção das plantações",
                "colheita e embalagem de frutas no campo",
                "operar trator e implementos, irrigação e pulverização",
            ),
        ),
        "en": (
            (
                "farm worker",
                "strawberry picker",
                "seasonal fruit picker",
                "tractor driver",
                "greenhouse worker",
                "packhouse operative",
            ),
            (
                "picking, pruning and looking after the crops",
                "harvesting and packing fruit in the field",
                "driving the tractor, irrigation and spraying",
            ),
        ),
    },
    "job_care": {
        "es": (
            (
                "cuidador/a de personas mayores",
                "auxiliar de geriatría",
                "cuidadora interna",
                "acompañante de personas dependientes",
            ),
            (
                "aseo personal, movilizaciones, comidas y acompañamiento",
                "administración de medicación y apoyo en las actividades diarias",
                "cuidado de una señora mayor, limpieza del hogar y compras",
            ),
        ),
        "pt": (
            (
                "cuidador(a) de idosos",
                "técnico(a) de enfermagem",
                "cuidadora que durma no emprego",
                "acompanhante de pessoa dependente",
            ),
            (
                "higiene pessoal, mobilidade, refeições e companhia",
                "administração de medicamentos e apoio nas atividades do dia",
                "cuidar de uma senhora idosa, limpeza da casa e compras",
            ),
        ),
        "en": (
            ("care assistant", "healthcare assistant", "live-in carer", "support worker"),
            (
                "personal care, mobility, meals and companionship",
                "giving medication and support with daily activities",
                "looking after an elderly lady, light housework and shopping",
            ),
        ),
    },
    "job_hotel": {
        "es": (
            (
                "camarera de pisos",
                "recepcionista",
                "botones",
                "ayudante de mantenimiento",
                "camarero/a de buffet",
            ),
            (
                "limpieza y preparación de habitaciones y zonas comunes",
                "atención al cliente, check-in y reservas",
                "mantenimiento básico de instalaciones y piscina",
            ),
        ),
        "pt": (
            (
                "camareira",
                "recepcionista",
                "mensageiro",
                "auxiliar de manutenção",
                "garçom de buffet",
            ),
            (
                "limpeza e arrumação dos quartos e áreas comuns",
                "atendimento ao hóspede, check-in e reservas",
                "manutenção básica das instalações e da piscina",
            ),
        ),
        "en": (
            (
                "room attendant",
                "receptionist",
                "porter",
                "maintenance assistant",
                "breakfast server",
            ),
            (
                "cleaning and preparing guest rooms and public areas",
                "welcoming guests, check-in and reservations",
                "basic maintenance of the building and the pool",
            ),
        ),
    },
    "job_factory": {
        "es": (
            (
                "operario/a de producción",
                "mozo/a de almacén",
                "carretillero/a",
                "envasador/a",
                "operario/a de línea",
            ),
            (
                "alimentación de línea, control de calidad y embalaje",
                "preparación de pedidos, carga y descarga de camiones",
                "manejo de carretilla elevadora y ubicación de palés",
            ),
        ),
        "pt": (
            (
                "operador(a) de produção",
                "auxiliar de almoxarifado",
                "operador(a) de empilhadeira",
                "embalador(a)",
                "auxiliar de linha",
            ),
            (
                "alimentação da linha, controle de qualidade e embalagem",
                "separação de pedidos, carga e descarga de caminhões",
                "operar empilhadeira e organizar paletes",
            ),
        ),
        "en": (
            (
                "production operative",
                "warehouse operative",
                "forklift driver",
                "packer",
                "line worker",
            ),
            (
                "feeding the line, quality checks and packing",
                "picking orders, loading and unloading lorries",
                "driving a forklift and putting away pallets",
            ),
        ),
    },
}

SCHEDULES = {
    "es": (
        "de lunes a viernes de 8 a 16 h",
        "turnos rotativos de mañana y tarde",
        "fines de semana y festivos",
        "turno de noche de 22 a 6 h",
        "jornada partida",
    ),
    "pt": (
        "de segunda a sexta, das 8h às 17h",
        "escala 6x1",
        "fins de semana e feriados",
        "turno da noite",
        "escala 12x36",
    ),
    "en": (
        "Monday to Friday, 8am to 4pm",
        "rotating early and late shifts",
        "weekends and bank holidays",
        "night shift, 10pm to 6am",
        "flexible hours",
    ),
}

CONTRACTS = {
    "es": ("indefinido", "temporal de seis meses", "por obra", "fijo discontinuo"),
    "pt": ("CLT", "temporário de seis meses", "por safra", "por tempo indeterminado"),
    "en": ("permanent", "six-month fixed-term", "temporary", "zero-hours"),
}

BENEFITS = {
    ("es", "PY"): "IPS y aguinaldo",
    ("es", "ES"): "alta en la Seguridad Social",
    ("es", ""): "seguro social",
    ("pt", "BR"): "carteira assinada e vale-transporte",
    ("pt", ""): "contrato legal e seguro social",
    ("en", "GB"): "holiday pay and a workplace pension",
    ("en", ""): "paid holidays and social security",
}

ABROAD_ROLES = {
    "es": (
        ("camarera", "camareras"),
        ("niñera", "niñeras"),
        ("empleada de limpieza", "empleadas de limpieza"),
        ("modelo", "modelos"),
        ("promotora", "promotoras"),
        ("recepcionista", "recepcionistas"),
        ("cuidadora", "cuidadoras"),
        ("operario de fábrica", "operarios de fábrica"),
        ("recolector de fruta", "recolectores de fruta"),
    ),
    "pt": (
        ("garçonete", "garçonetes"),
        ("babá", "babás"),
        ("faxineira", "faxineiras"),
        ("modelo", "modelos"),
        ("promotora", "promotoras"),
        ("recepcionista", "recepcionistas"),
        ("cuidadora", "cuidadoras"),
        ("operário de fábrica", "operários de fábrica"),
        ("colhedor de frutas", "colhedores de frutas"),
    ),
    "en": (
        ("a waitress", "waitresses"),
        ("a nanny", "nannies"),
        ("a cleaner", "cleaners"),
        ("a model", "models"),
        ("a promoter", "promoters"),
        ("a receptionist", "receptionists"),
        ("a carer", "carers"),
        ("a factory worker", "factory workers"),
        ("a fruit picker", "fruit pickers"),
    ),
}

EMPLOYMENT_TYPES = ("FULL_TIME", "FULL_TIME", "PART_TIME", "TEMPORARY", "CONTRACTOR")
