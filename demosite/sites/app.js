/* Mercadito PY: renders listings and ads from the JSON API. No framework. */
(function () {
  "use strict";

  var root = document.getElementById("app");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function header() {
    return el("header", { "class": "site-header" }, [
      el("a", { "class": "logo", href: "/app/" }, ["Mercadito PY"])
    ]);
  }

  function renderList(data) {
    var cards = data.ads.map(function (ad) {
      var parts = [];
      if (ad.thumb) {
        parts.push(el("img", { "class": "thumb", src: ad.thumb, alt: "", width: "120" }));
      }
      parts.push(el("a", { "class": "ad-link", href: ad.url }, [ad.title]));
      parts.push(el("span", { "class": "card-price" }, [ad.price]));
      parts.push(el("span", { "class": "card-location" }, [ad.location]));
      return el("article", { "class": "ad-card" }, parts);
    });
    var nav = [el("span", { "class": "current" }, ["Página " + data.page + " de " + data.pages])];
    if (data.next) {
      nav.push(el("a", { "class": "next", rel: "next", href: data.next }, ["Siguiente"]));
    }
    root.appendChild(header());
    root.appendChild(el("main", {}, [
      el("h1", {}, ["Avisos recientes"]),
      el("section", { "class": "ads" }, cards),
      el("nav", { "class": "pagination" }, nav)
    ]));
  }

  function paragraph(parts) {
    return el("p", {}, parts.map(function (part) {
      if (part.href) {
        var attrs = { href: part.href };
        if (part["class"]) { attrs["class"] = part["class"]; }
        return el("a", attrs, [part.text]);
      }
      return part.text;
    }));
  }

  function renderAd(ad) {
    document.title = ad.title + " - Mercadito PY";
    var contact = [el("h2", {}, ["Contacto"])];
    ad.contact.phones.forEach(function (phone) {
      contact.push(el("p", { "class": "phone" }, [phone]));
    });
    if (ad.contact.email) {
      contact.push(el("p", { "class": "email" }, [
        el("a", { href: "mailto:" + ad.contact.email }, [ad.contact.email])
      ]));
    }
    if (ad.contact.whatsapp) {
      contact.push(el("p", {}, [el("a", { "class": "wa", href: ad.contact.whatsapp }, ["WhatsApp"])]));
    }
    if (ad.contact.handle) {
      contact.push(el("p", { "class": "handle" }, [ad.contact.handle]));
    }
    var gallery = ad.images.map(function (src, i) {
      return el("img", { src: src, alt: ad.title + " - foto " + (i + 1) });
    });
    root.appendChild(header());
    root.appendChild(el("main", { "class": "ad-page" }, [
      el("article", { "class": "ad" }, [
        el("h1", { "class": "ad-title" }, [ad.title]),
        el("div", { "class": "ad-meta" }, [
          el("span", { "class": "ad-price" }, [ad.price]), " · ",
          el("span", { "class": "ad-location" }, [ad.location]), " · ",
          el("time", { "class": "ad-date", datetime: ad.date }, [ad.date_text])
        ]),
        el("div", { "class": "ad-gallery" }, gallery),
        el("div", { "class": "ad-body" }, ad.body.map(paragraph)),
        el("div", { "class": "ad-contact" }, contact)
      ])
    ]));
  }

  function load(url, render) {
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(render)
      .catch(function (error) {
        root.appendChild(el("p", { "class": "error" }, ["No se pudo cargar: " + error.message]));
      });
  }

  var match = window.location.pathname.match(/^\/app\/ad\/(\d+)/);
  if (match) {
    load("/app/api/ad/" + match[1], renderAd);
  } else {
    var page = new URLSearchParams(window.location.search).get("page") || "1";
    load("/app/api/ads?page=" + encodeURIComponent(page), renderList);
  }
})();
