/* style.c — the one stylesheet (GET /estilo.css), a C string so the service needs no
 * files beside it. Made for a 360-px phone first: one column, 17-px text, touch
 * targets of at least 44 px, a thick visible focus ring. Contrast of every text and
 * background pair (WCAG 2 ratio; all >= 4.5:1): text #1a1a1a on #fff 17.4, links and
 * buttons #0b4f8a / #fff 8.4, help #4a4a4a on #fff 8.9, errors #8a1c1c on #fdecea 8.1,
 * warnings #5c3d00 on #fff4d6 9.0, done #1a5e20 on #e8f5e9 7.0, groups on #f3f6f9 >= 7.7;
 * the focus ring #b35900 against #fff 4.8. */
#include "pages.h"

#include <string.h>

static const char stylesheet[] =
    "*{box-sizing:border-box}"
    "html{font-size:106.25%;-webkit-text-size-adjust:100%}"
    "body{margin:0;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;"
    "line-height:1.5;color:#1a1a1a;background:#fff}"
    "header,main,footer{max-width:40rem;margin:0 auto;padding:0 1rem}"
    "header{border-bottom:1px solid #ccd6e0;padding-top:.5rem;padding-bottom:.5rem}"
    ".sitio{font-weight:700;margin:.25rem 0}"
    ".idioma{margin:.25rem 0}"
    ".guardado{font-size:.9rem;color:#4a4a4a;margin:.25rem 0}"
    "footer{border-top:1px solid #ccd6e0;margin-top:2rem;padding-bottom:2rem}"
    "h1{font-size:1.5rem;line-height:1.25;margin:1rem 0 .75rem}"
    "h2{font-size:1.25rem;margin:1.5rem 0 .5rem}"
    "h3{font-size:1.1rem;margin:1rem 0 .25rem}"
    "h4{font-size:1rem;margin:.75rem 0 .25rem}"
    "a{color:#0b4f8a;text-decoration:underline;text-underline-offset:2px}"
    "a,button,input,select,textarea,label{min-height:44px}"
    ":focus{outline:3px solid #b35900;outline-offset:2px}"
    ":focus:not(:focus-visible){outline:none}"
    ":focus-visible{outline:3px solid #b35900;outline-offset:2px}"
    ".idioma a,footer a{display:inline-block;padding:.6rem 0}"
    "fieldset{border:1px solid #ccd6e0;border-radius:6px;margin:1.25rem 0;padding:.5rem .75rem"
    " .75rem;min-width:0}"
    "legend{font-weight:700;font-size:1.1rem;padding:0 .25rem}"
    "fieldset.grupo{background:#f3f6f9;border-color:#dde4ea;margin:.75rem 0}"
    "fieldset.grupo legend{font-size:1rem;font-weight:600}"
    "details{background:#f3f6f9;border:1px solid #dde4ea;border-radius:6px;margin:.5rem 0;"
    "padding:0 .75rem}"
    "summary{font-weight:600;padding:.7rem 0;cursor:pointer}"
    "details[open] summary{border-bottom:1px solid #dde4ea}"
    ".opcion{display:flex;align-items:flex-start;gap:.5rem;margin:.25rem 0}"
    ".opcion input{flex:none;width:1.5rem;height:1.5rem;min-height:0;margin:.6rem 0 0}"
    ".opcion label{flex:1;display:block;padding:.55rem 0;cursor:pointer}"
    ".campo{margin:1rem 0}"
    ".campo label{display:block;font-weight:700;min-height:0;margin-bottom:.25rem}"
    "input[type=text],input[type=number],input[type=date],select,textarea{display:block;"
    "width:100%;font:inherit;color:#1a1a1a;background:#fff;border:2px solid #4a4a4a;"
    "border-radius:4px;padding:.55rem .6rem}"
    "input[type=number]{max-width:8rem}"
    "input[type=file]{display:block;width:100%;font:inherit;padding:.5rem 0}"
    "textarea{min-height:8rem;resize:vertical}"
    "button,.boton{display:inline-block;font:inherit;font-weight:700;color:#fff;"
    "background:#0b4f8a;border:2px solid #0b4f8a;border-radius:6px;padding:.65rem 1.25rem;"
    "text-decoration:none;cursor:pointer;margin:.25rem .5rem .25rem 0;text-align:center}"
    "button.secundario,.boton.secundario{color:#0b4f8a;background:#fff}"
    "button.enlace{color:#0b4f8a;background:none;border:0;padding:.6rem 0;margin:0;"
    "font-weight:400;text-decoration:underline}"
    ".acciones .boton{display:block;margin:.75rem 0}"
    ".ayuda{color:#4a4a4a;font-size:.95rem;margin:.25rem 0 .5rem}"
    ".req{font-weight:400;color:#4a4a4a;font-size:.9rem}"
    ".aviso{background:#fff4d6;color:#5c3d00;border-left:4px solid #b35900;padding:.5rem .75rem;"
    "border-radius:4px}"
    ".errores{background:#fdecea;color:#8a1c1c;border:2px solid #8a1c1c;border-radius:6px;"
    "padding:.5rem 1rem;margin:1rem 0}"
    ".errores h2{font-size:1.1rem;margin:.25rem 0}"
    ".errores a{color:#8a1c1c}"
    ".errores ul{padding-left:1.25rem;margin:.25rem 0}"
    ".error{background:#fdecea;color:#8a1c1c;padding:.35rem .6rem;border-radius:4px;"
    "margin:.25rem 0}"
    "[aria-invalid=true]{border-color:#8a1c1c}"
    ".hecho{background:#e8f5e9;color:#1a5e20;padding:.5rem .75rem;border-radius:4px}"
    ".recibo{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-size:1.6rem;"
    "font-weight:700;letter-spacing:.03em}"
    "p.recibo{background:#f3f6f9;padding:.75rem;border-radius:6px;text-align:center;"
    "font-size:1.2rem;font-size:min(1.6rem,6.2vw);white-space:nowrap}"
    "input.recibo{font-size:1.25rem}"
    ".buscar{margin:1rem 0}"
    ".resumen dt{font-weight:700}"
    ".resumen dd{margin:0 0 .5rem}"
    ".texto{white-space:pre-wrap;overflow-wrap:anywhere}"
    ".pregunta{border-top:1px solid #ccd6e0;margin-top:1rem}"
    "@media (min-width:40rem){.acciones .boton{display:inline-block}}\n";

const char *page_stylesheet(size_t *len)
{
    if (len)
        *len = sizeof stylesheet - 1;
    return stylesheet;
}
