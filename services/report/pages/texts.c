/* texts.c — the one table of the pages' texts: Spanish (es-SV, the default) and
 * English, side by side so that a change to one shows the other. Plain words for a
 * health worker at 3 a.m.; templates take {1}..{4} (str_format), never printf
 * directives. Texts are trusted HTML (some hold <strong> or <li>); arguments are not. */
#include "texts.h"

#include <string.h>

static const char *const table[S_COUNT][2] = {
    [S_HTML_LANG] = {"es-SV", "en"},
    [S_SITE_NAME] = {"Reporte anónimo de violencia contra la salud",
                     "Anonymous report of violence against health care"},
    [S_LANG_OTHER_NAME] = {"English", "Español"},
    [S_LANG_OTHER_CODE] = {"en", "es"},
    [S_KEPT_LINE] = {"No guardamos su dirección IP, su navegador, cookies ni la hora exacta: "
                     "solo lo que usted escribe y las fotos sin sus datos ocultos.",
                     "We keep no IP address, browser details, cookies or exact time: only what "
                     "you write, and photos without their hidden data."},
    [S_HOME_LINK] = {"Inicio", "Home"},
    [S_REQUIRED] = {"(obligatorio)", "(required)"},
    [S_ERROR_PREFIX] = {"Error:", "Error:"},
    [S_ERRORS_TITLE] = {"Revise lo siguiente; no se envió nada:",
                        "Please check the following; nothing was sent:"},

    [S_HOME_INTRO] = {"Si usted trabaja en salud y sufrió o vio violencia, amenazas o un "
                      "obstáculo a la atención, puede contarlo aquí sin decir quién es. El "
                      "reporte llega a los facilitadores de la protección de la misión médica.",
                      "If you work in health care and suffered or saw violence, threats or "
                      "care being blocked, you can report it here without saying who you are. "
                      "The report reaches the facilitators who protect health care."},
    [S_HOME_TIME] = {"Toma unos dos minutos. No hace falta cuenta, correo ni teléfono.",
                     "It takes about two minutes. No account, e-mail or phone number needed."},
    [S_HOME_REPORT] = {"Hacer un reporte", "Make a report"},
    [S_HOME_RECEIPT] = {"Tengo un código de recibo", "I have a receipt code"},
    [S_HOME_KEPT_TITLE] = {"Qué se guarda y qué no", "What is kept and what is not"},
    [S_HOME_KEPT_ITEMS] = {
        "<li>No pedimos su nombre. No guardamos su dirección IP, su navegador ni cookies.</li>"
        "<li>Guardamos el lugar, qué pasó, el día (nunca la hora), la gravedad, las víctimas "
        "y su relato.</li>"
        "<li>Quitamos de las fotos los datos ocultos (GPS, fecha, modelo del teléfono), pero "
        "la imagen misma puede identificarle.</li>"
        "<li>El reporte se envía con un retraso al azar, para que la hora no le delate.</li>"
        "<li>Con el código de recibo, y solo con él, puede volver a leer y responder las "
        "preguntas de los facilitadores.</li>",
        "<li>We do not ask your name. We keep no IP address, browser details or cookies.</li>"
        "<li>We keep the place, what happened, the day (never the time), how serious it was, "
        "the casualties and your account.</li>"
        "<li>We remove hidden data from photos (GPS, date, phone model), but the picture "
        "itself may identify you.</li>"
        "<li>The report is passed on after a random delay, so the time does not give you "
        "away.</li>"
        "<li>With the receipt code, and only with it, you can come back to read and answer "
        "the facilitators' questions.</li>"},
    [S_HOME_SAFETY] = {"Si está en peligro ahora, póngase a salvo primero. Emergencias: 911.",
                       "If you are in danger now, get to safety first. Emergencies: 911."},

    [S_WHERE_TITLE] = {"Paso 1 de 2: ¿Dónde pasó?", "Step 1 of 2: Where did it happen?"},
    [S_WHERE_INTRO] = {"Busque el municipio o el distrito. Si prefiere, diga solo el "
                       "departamento.",
                       "Find the municipality or the district. If you prefer, give only the "
                       "department."},
    [S_DEPARTAMENTO] = {"Departamento", "Department"},
    [S_CHOOSE] = {"Elija…", "Choose…"},
    [S_LUGAR] = {"Municipio o distrito", "Municipality or district"},
    [S_LUGAR_HINT] = {"Escriba el nombre o una parte, con o sin tildes (por ejemplo: "
                      "soyapango). Si lo deja vacío, podrá indicar solo el departamento.",
                      "Type the name or part of it, with or without accents (for example: "
                      "soyapango). Leave it empty to give only the department."},
    [S_SEARCH] = {"Buscar lugar", "Find place"},

    [S_DETAILS_TITLE] = {"Paso 2 de 2: ¿Qué pasó?", "Step 2 of 2: What happened?"},
    [S_DETAILS_INTRO] = {"Responda lo que sepa. Lo marcado (obligatorio) hace falta; lo "
                         "demás ayuda.",
                         "Answer what you know. What is marked (required) is needed; the rest "
                         "helps."},
    [S_WHERE_LEGEND] = {"¿Dónde?", "Where?"},
    [S_FOUND_SOME] = {"Lugares de {1} que coinciden con «{2}»:",
                      "Places in {1} matching “{2}”:"},
    [S_FOUND_NONE] = {"No encontramos «{2}» en {1}. Puede indicar solo el departamento o "
                      "buscar otra vez.",
                      "We found no “{2}” in {1}. You can give only the department or search "
                      "again."},
    [S_FOUND_EMPTY] = {"Indicará solo el departamento.", "You will give only the department."},
    [S_ONLY_DEPARTMENT] = {"Prefiero no decir más que el departamento ({1})",
                           "I'd rather not say more than the department ({1})"},
    [S_WHOLE_MUNICIPALITY] = {"(todo el municipio)", "(whole municipality)"},
    [S_SEARCH_AGAIN] = {"Buscar otro lugar en {1}", "Find another place in {1}"},
    [S_QUE_LEGEND] = {"¿Qué pasó?", "What happened?"},
    [S_QUE_HINT] = {"Elija lo más grave. Si pasaron varias cosas, cuéntelas abajo.",
                    "Choose the most serious. If several things happened, tell us below."},
    [S_GROUP_WEAPONS] = {"Armas, disparos y heridos", "Weapons, shooting and injuries"},
    [S_GROUP_PSYCHOLOGICAL] = {"Amenazas, intimidación o acoso",
                               "Threats, intimidation or harassment"},
    [S_GROUP_SEXUAL] = {"Violencia sexual", "Sexual violence"},
    [S_GROUP_ABDUCTION] = {"Secuestro o detención", "Abduction or arrest"},
    [S_GROUP_SEARCH] = {"Entrada o registro por la fuerza", "Forced entry or search"},
    [S_GROUP_OBSTRUCTION] = {"Impidieron o cortaron la atención", "Care blocked or cut off"},
    [S_GROUP_DENIAL] = {"Negaron la atención", "Care refused"},
    [S_GROUP_REMOVAL] = {"Robo", "Theft"},
    [S_GROUP_FIRE] = {"Fuego", "Fire"},
    [S_GROUP_OTHER] = {"Otra cosa", "Something else"},
    [S_ACT_KILLING] = {"Mataron a alguien", "Someone was killed"},
    [S_ACT_INJURING] = {"Hirieron a alguien", "Someone was injured"},
    [S_ACT_SHOOTING_INTO] = {"Dispararon contra el establecimiento",
                             "Shots were fired at the facility"},
    [S_ACT_ATTACK_ON_VEHICLE] = {"Atacaron la ambulancia u otro vehículo de salud",
                                 "The ambulance or another health vehicle was attacked"},
    [S_ACT_THREAT] = {"Amenazaron (a mí, a colegas o a pacientes)",
                      "Threats (to me, colleagues or patients)"},
    [S_ACT_INTIMIDATION] = {"Nos intimidaron (vigilancia, hombres armados, presión)",
                            "We were intimidated (watched, armed men, pressure)"},
    [S_ACT_HARASSMENT] = {"Nos acosaron o insultaron una y otra vez",
                          "We were harassed or insulted again and again"},
    [S_ACT_SEXUAL_ASSAULT] = {"Hubo una agresión o un abuso sexual",
                              "There was a sexual assault or abuse"},
    [S_ACT_KIDNAPPING] = {"Secuestraron a alguien del personal o a un paciente",
                          "A health worker or a patient was kidnapped"},
    [S_ACT_ARREST] = {"Detuvieron a alguien por dar atención médica",
                      "Someone was arrested for giving medical care"},
    [S_ACT_FORCED_ENTRY] = {"Entraron por la fuerza al establecimiento",
                            "The facility was entered by force"},
    [S_ACT_ARMED_SEARCH] = {"Registraron el lugar con armas", "Armed men searched the place"},
    [S_ACT_OBSTRUCTION_OF_ACCESS] = {"Bloquearon el paso a la ambulancia o al establecimiento",
                                     "The way to the ambulance or the facility was blocked"},
    [S_ACT_INTERFERENCE_WITH_VEHICLE] = {"Detuvieron o desviaron la ambulancia",
                                         "The ambulance was stopped or turned away"},
    [S_ACT_INTERRUPTION_OF_CARE] = {"Interrumpieron la atención de un paciente",
                                    "A patient's care was interrupted"},
    [S_ACT_ENCIRCLING] = {"Rodearon el establecimiento", "The facility was surrounded"},
    [S_ACT_FORCEFUL_INTERFERENCE] = {"Cortaron el agua, la luz u otro servicio a la fuerza",
                                     "Water, power or another service was cut off by force"},
    [S_ACT_DENIAL_OF_ASSISTANCE] = {"Impidieron que alguien recibiera atención",
                                    "Someone was kept from getting care"},
    [S_ACT_DISCRIMINATION] = {"Negaron la atención por quién es la persona",
                              "Care was refused because of who the person is"},
    [S_ACT_ROBBERY] = {"Robaron medicinas, equipo o pertenencias",
                       "Medicines, equipment or belongings were stolen"},
    [S_ACT_LOOTING] = {"Saquearon el establecimiento", "The facility was looted"},
    [S_ACT_THEFT_OF_VEHICLE] = {"Robaron la ambulancia u otro vehículo",
                                "The ambulance or another vehicle was stolen"},
    [S_ACT_SETTING_FIRE] = {"Prendieron fuego al lugar o a un vehículo",
                            "The place or a vehicle was set on fire"},
    [S_ACT_OTHER] = {"Otra cosa (cuéntela abajo)", "Something else (tell us below)"},
    [S_A_QUIEN_LEGEND] = {"¿A quién?", "Against whom or what?"},
    [S_TARGET_PERSONNEL] = {"Al personal de salud (a mí o a colegas)",
                            "Health workers (me or colleagues)"},
    [S_TARGET_PATIENTS] = {"A pacientes", "Patients"},
    [S_TARGET_FACILITY] = {"Al establecimiento (hospital, unidad de salud, clínica)",
                           "The facility (hospital, health unit, clinic)"},
    [S_TARGET_VEHICLE] = {"A una ambulancia u otro vehículo de salud",
                          "An ambulance or another health vehicle"},
    [S_CUANDO_LEGEND] = {"¿Cuándo? (aproximado)", "When? (roughly)"},
    [S_CUANDO_HINT] = {"Guardamos solo el día, nunca la hora.",
                       "Only the day is kept, never the time."},
    [S_HOY] = {"Hoy", "Today"},
    [S_AYER] = {"Ayer", "Yesterday"},
    [S_OTRO_DIA] = {"Otro día", "Another day"},
    [S_FECHA] = {"Fecha", "Date"},
    [S_FECHA_HINT] = {"Si eligió «Otro día»: año-mes-día, por ejemplo 2026-03-14. Hasta un año "
                      "atrás.",
                      "If you chose “Another day”: year-month-day, for example 2026-03-14. Up "
                      "to a year back."},
    [S_GRAVEDAD_LEGEND] = {"¿Qué tan grave?", "How serious?"},
    [S_SEV_LOW] = {"<strong>Leve</strong>: nadie resultó herido y la atención siguió",
                   "<strong>Low</strong>: no one was hurt and care went on"},
    [S_SEV_MODERATE] = {"<strong>Moderada</strong>: la atención se interrumpió o se retrasó",
                        "<strong>Moderate</strong>: care was interrupted or delayed"},
    [S_SEV_HIGH] = {"<strong>Grave</strong>: hubo heridos o se suspendió el servicio",
                    "<strong>High</strong>: people were hurt or the service was suspended"},
    [S_SEV_CRITICAL] = {"<strong>Muy grave</strong>: hubo muertos o secuestrados, o el peligro "
                        "sigue",
                        "<strong>Critical</strong>: people were killed or kidnapped, or the "
                        "danger goes on"},
    [S_VICTIMAS_LEGEND] = {"¿Hubo víctimas? (deje 0 si no)", "Casualties (leave 0 if none)"},
    [S_MUERTOS] = {"Personas muertas", "People killed"},
    [S_HERIDOS] = {"Personas heridas", "People injured"},
    [S_SECUESTRADOS] = {"Personas secuestradas o detenidas", "People kidnapped or arrested"},
    [S_RELATO] = {"Cuéntenos qué pasó", "Tell us what happened"},
    [S_RELATO_HINT] = {"Opcional, salvo si eligió «Otra cosa». No escriba nombres, teléfonos "
                       "ni nada que le identifique a usted o a otras personas. Hasta 1024 "
                       "bytes (unas 1000 letras).",
                       "Optional, unless you chose “Something else”. Do not write names, phone "
                       "numbers or anything that identifies you or others. Up to 1024 bytes "
                       "(about 1000 letters)."},
    [S_FOTO] = {"Fotos", "Photos"},
    [S_FOTO_HINT] = {"Opcional: hasta {1} fotos JPEG o PNG de {2} MB cada una. Les quitamos "
                     "los datos ocultos (ubicación GPS, fecha, modelo del teléfono).",
                     "Optional: up to {1} JPEG or PNG photos of {2} MB each. We remove their "
                     "hidden data (GPS location, date, phone model)."},
    [S_FOTO_HINT_ONE] = {"Opcional: 1 foto JPEG o PNG de hasta {2} MB. Le quitamos los datos "
                         "ocultos (ubicación GPS, fecha, modelo del teléfono).",
                         "Optional: 1 JPEG or PNG photo of up to {2} MB. We remove its hidden "
                         "data (GPS location, date, phone model)."},
    [S_FOTO_WARN] = {"Cuidado: la imagen misma puede identificarle (caras, reflejos, su "
                     "uniforme, un lugar que solo usted ve). Si duda, no envíe fotos.",
                     "Careful: the picture itself may identify you (faces, reflections, your "
                     "uniform, a place only you see). If in doubt, send no photos."},
    [S_FOTO_AGAIN] = {"No guardamos las fotos de un envío con errores: adjúntelas otra vez.",
                      "Photos of a refused submission are not kept: attach them again."},
    [S_SEND] = {"Enviar reporte", "Send report"},
    [S_SEND_NOTE] = {"Al enviar recibirá un código de recibo para volver.",
                     "After sending you get a receipt code to come back with."},

    [S_SENT_TITLE] = {"Reporte recibido", "Report received"},
    [S_SENT_RECEIPT_LABEL] = {"Su código de recibo:", "Your receipt code:"},
    [S_SENT_KEEP] = {"Anótelo en papel o guárdelo donde nadie más lo vea. Es la única forma "
                     "de volver a su reporte: no podemos recuperarlo.",
                     "Write it on paper or keep it where no one else sees it. It is the only "
                     "way back to your report: we cannot recover it."},
    [S_SENT_WHEN] = {"Para proteger su identidad, el reporte no sale ahora: llegará a los "
                     "facilitadores en algún momento, en menos de {1}.",
                     "To protect you, the report is not passed on now: it reaches the "
                     "facilitators at some moment within {1}."},
    [S_SENT_CHECK] = {"Vuelva con el recibo en unos días: los facilitadores pueden hacerle "
                      "preguntas. Si después de {1} el recibo no abre su reporte, envíelo "
                      "otra vez.",
                      "Come back with the receipt in a few days: the facilitators may ask you "
                      "questions. If after {1} the receipt does not open your report, send it "
                      "again."},
    [S_SENT_WHO] = {"Quien tenga este código puede leer las preguntas y responderlas en su "
                    "nombre.",
                    "Whoever has this code can read the questions and answer them in your "
                    "name."},
    [S_SENT_BACK] = {"Ir a la página del recibo", "Go to the receipt page"},

    [S_RECEIPT_TITLE] = {"Volver con su recibo", "Come back with your receipt"},
    [S_RECEIPT_INTRO] = {"Escriba el código que recibió al enviar su reporte para leer las "
                         "preguntas de los facilitadores y responderlas.",
                         "Type the code you got when you sent your report to read the "
                         "facilitators' questions and answer them."},
    [S_RECIBO] = {"Código de recibo", "Receipt code"},
    [S_RECIBO_HINT] = {"16 letras y números, por ejemplo K7QM-2XD9-4RTB-HW3P. Guiones, "
                       "espacios y mayúsculas no importan.",
                       "16 letters and digits, for example K7QM-2XD9-4RTB-HW3P. Dashes, spaces "
                       "and capitals do not matter."},
    [S_OPEN] = {"Abrir", "Open"},
    [S_THREAD_TITLE] = {"Su reporte", "Your report"},
    [S_THREAD_WHERE] = {"Lugar", "Place"},
    [S_THREAD_WHAT] = {"Qué pasó", "What happened"},
    [S_THREAD_DAY] = {"Día", "Day"},
    [S_THREAD_PHOTOS] = {"Fotos", "Photos"},
    [S_THREAD_QUESTIONS] = {"Preguntas de los facilitadores", "Questions from the facilitators"},
    [S_THREAD_NONE] = {"Todavía no hay preguntas. Vuelva en unos días.",
                       "No questions yet. Come back in a few days."},
    [S_THREAD_ASKED] = {"Pregunta del {1}", "Question asked on {1}"},
    [S_THREAD_ANSWERED] = {"Su respuesta del {1}", "Your answer on {1}"},
    [S_THREAD_PENDING] = {"Su respuesta llegará a los facilitadores en los próximos {1}",
                          "Your answer will reach the facilitators within the next {1}"},
    [S_THREAD_PENDING_SOON] = {"Su respuesta llegará a los facilitadores en el próximo minuto",
                               "Your answer will reach the facilitators within the next minute"},
    [S_RESPUESTA] = {"Su respuesta", "Your answer"},
    [S_RESPUESTA_HINT] = {"No escriba nombres ni nada que le identifique. Hasta 2000 bytes.",
                          "Do not write names or anything that identifies you. Up to 2000 "
                          "bytes."},
    [S_ANSWER_SEND] = {"Enviar respuesta", "Send answer"},
    [S_THREAD_CLOSE] = {"Este navegador no guarda su recibo. Cierre la pestaña al terminar.",
                        "This browser does not keep your receipt. Close the tab when done."},
    [S_THREAD_OTHER] = {"Otro recibo", "Another receipt"},
    [S_MINUTE_ONE] = {"1 minuto", "1 minute"},
    [S_MINUTES] = {"{1} minutos", "{1} minutes"},
    [S_DATE] = {"{1} de {2} de {3}", "{1} {2} {3}"},
    [S_MONTH_1] = {"enero", "January"},
    [S_MONTH_2] = {"febrero", "February"},
    [S_MONTH_3] = {"marzo", "March"},
    [S_MONTH_4] = {"abril", "April"},
    [S_MONTH_5] = {"mayo", "May"},
    [S_MONTH_6] = {"junio", "June"},
    [S_MONTH_7] = {"julio", "July"},
    [S_MONTH_8] = {"agosto", "August"},
    [S_MONTH_9] = {"septiembre", "September"},
    [S_MONTH_10] = {"octubre", "October"},
    [S_MONTH_11] = {"noviembre", "November"},
    [S_MONTH_12] = {"diciembre", "December"},
    [S_THREAD_LEFT_OUT] = {"{1} preguntas más antiguas no caben en esta página.",
                           "{1} older questions do not fit on this page."},
    [S_THREAD_LEFT_OUT_ONE] = {"1 pregunta más antigua no cabe en esta página.",
                               "1 older question does not fit on this page."},
    [S_ORDINAL_1] = {"primera", "first"},
    [S_ORDINAL_2] = {"segunda", "second"},
    [S_ORDINAL_3] = {"tercera", "third"},
    [S_ORDINAL_4] = {"cuarta", "fourth"},
    [S_ORDINAL_5] = {"quinta", "fifth"},

    [S_PROBLEM_BUSY] = {"Demasiados reportes en este momento", "Too many reports right now"},
    [S_PROBLEM_BUSY_TEXT] = {"No se envió nada. Espere unos minutos y vuelva a intentarlo.",
                             "Nothing was sent. Wait a few minutes and try again."},
    [S_PROBLEM_EXPIRED] = {"El formulario caducó", "The form expired"},
    [S_PROBLEM_EXPIRED_TEXT] = {"No se envió nada. El formulario se abrió hace demasiado "
                                "tiempo (vale {1}); vuelva a empezar.",
                                "Nothing was sent. The form was opened too long ago (it lasts "
                                "{1}); please start again."},
    [S_PROBLEM_TOO_LARGE] = {"Envío demasiado grande", "Too large"},
    [S_PROBLEM_TOO_LARGE_TEXT] = {"No se envió nada. Cada foto puede pesar hasta {1} MB y todo "
                                  "el envío hasta {2} MB: envíe menos fotos o más pequeñas.",
                                  "Nothing was sent. Each photo may be up to {1} MB and the "
                                  "whole submission up to {2} MB: send fewer or smaller "
                                  "photos."},
    [S_PROBLEM_NOT_FOUND] = {"Página no encontrada", "Page not found"},
    [S_PROBLEM_NOT_FOUND_TEXT] = {"Esta dirección no existe aquí.",
                                  "This address does not exist here."},
    [S_PROBLEM_METHOD] = {"Petición no permitida", "Request not allowed"},
    [S_PROBLEM_METHOD_TEXT] = {"Esta dirección no acepta esa clase de petición. No se envió "
                               "nada.",
                               "This address does not accept that kind of request. Nothing "
                               "was sent."},
    [S_PROBLEM_BAD_REQUEST] = {"Formulario no válido", "Form not valid"},
    [S_PROBLEM_BAD_REQUEST_TEXT] = {"No se envió nada. El formulario llegó incompleto o dañado; "
                                    "vuelva a empezar.",
                                    "Nothing was sent. The form arrived incomplete or damaged; "
                                    "please start again."},
    [S_PROBLEM_UNAVAILABLE] = {"Servicio no disponible por ahora",
                               "Service not available right now"},
    [S_PROBLEM_UNAVAILABLE_TEXT] = {"No se envió ni se guardó nada. Intente de nuevo en unos "
                                    "minutos.",
                                    "Nothing was sent or saved. Try again in a few minutes."},
    [S_PROBLEM_INTERNAL] = {"Error interno", "Internal error"},
    [S_PROBLEM_INTERNAL_TEXT] = {"No se envió ni se guardó nada. Intente de nuevo; si sigue "
                                 "fallando, avise a quien le dio esta dirección.",
                                 "Nothing was sent or saved. Try again; if it keeps failing, "
                                 "tell whoever gave you this address."},
    [S_PROBLEM_START] = {"Volver al inicio", "Back to the start"},

    [E_REQUIRED] = {"«{1}» es obligatorio.", "“{1}” is required."},
    [E_CHOOSE] = {"«{1}»: elija una opción.", "“{1}”: choose one option."},
    [E_UNKNOWN_CHOICE] = {"«{1}»: la opción enviada no existe; elija una de la lista.",
                          "“{1}”: the option sent does not exist; choose one from the list."},
    [E_TOO_LONG] = {"«{1}» es demasiado largo: {2} bytes, y el máximo es {3} (una letra con "
                    "tilde cuenta 2).",
                    "“{1}” is too long: {2} bytes, and the most is {3} (an accented letter "
                    "counts 2)."},
    [E_NOT_UTF8] = {"«{1}» tiene caracteres no válidos (en el byte {2}); escríbalo otra vez.",
                    "“{1}” holds characters that are not valid (at byte {2}); type it again."},
    [E_CONTROL] = {"«{1}» tiene un carácter invisible no permitido (U+{2}); bórrelo.",
                   "“{1}” holds an invisible character that is not allowed (U+{2}); delete "
                   "it."},
    [E_NUMBER] = {"«{1}» debe ser un número de 0 a 999.",
                  "“{1}” must be a number from 0 to 999."},
    [E_DATE_MISSING] = {"«{1}»: escriba el día, o elija «Hoy» o «Ayer».",
                        "“{1}”: type the day, or choose “Today” or “Yesterday”."},
    [E_DATE_BAD] = {"«{1}» no es una fecha válida: escríbala como año-mes-día, por ejemplo "
                    "2026-03-14.",
                    "“{1}” is not a valid date: write it as year-month-day, for example "
                    "2026-03-14."},
    [E_DATE_FUTURE] = {"«{1}» es una fecha futura.", "“{1}” is in the future."},
    [E_DATE_OLD] = {"«{1}» es de hace más de 366 días; este formulario recibe hechos del "
                    "último año.",
                    "“{1}” is more than 366 days ago; this form takes events of the last "
                    "year."},
    [E_RELATO_OTHER] = {"«{1}» es obligatorio si eligió «{2}».",
                        "“{1}” is required when you choose “{2}”."},
    [E_PLACE_OUTSIDE] = {"«{1}»: el lugar elegido no está en el departamento; búsquelo otra "
                         "vez.",
                         "“{1}”: the place chosen is not in the department; search again."},
    [E_DEPARTMENT] = {"«{1}»: elija uno de los departamentos de la lista.",
                      "“{1}”: choose one of the departments in the list."},
    [E_PHOTOS_COUNT] = {"«{1}»: adjuntó {2} fotos y el máximo es {3}.",
                        "“{1}”: you attached {2} photos and the most is {3}."},
    [E_PHOTO_SIZE] = {"«{1}»: la {2} foto pesa {3} KB y el máximo es {4} KB.",
                      "“{1}”: the {2} photo is {3} KB and the most is {4} KB."},
    [E_PHOTO_FORMAT] = {"«{1}»: la {2} foto no es JPEG ni PNG ({3}). En el teléfono, ponga la "
                        "cámara en JPEG (en iPhone: Ajustes > Cámara > Formatos > «Más "
                        "compatible») o envíe una captura de pantalla de la foto.",
                        "“{1}”: the {2} photo is not JPEG or PNG ({3}). On the phone, set the "
                        "camera to JPEG (on an iPhone: Settings > Camera > Formats > “Most "
                        "Compatible”) or send a screenshot of the photo."},
    [E_PHOTO_DAMAGED] = {"«{1}»: la {2} foto llegó dañada o cortada; adjúntela otra vez.",
                         "“{1}”: the {2} photo arrived damaged or cut off; attach it again."},
    [E_PHOTO_MEMORY] = {"«{1}»: no pudimos procesar la {2} foto ahora; inténtelo otra vez.",
                        "“{1}”: the {2} photo could not be processed now; please try again."},
    [S_FORMAT_VIDEO] = {"un vídeo", "a video"},
    [S_FORMAT_OTHER] = {"otro formato", "another format"},
    [E_PHOTOS_OFF] = {"«{1}»: este servicio no recibe fotos.",
                      "“{1}”: this service does not take photos."},
};

const char *str(report_lang_t lang, str_id_t id)
{
    if ((unsigned)id >= S_COUNT)
        return "";
    const char *s = table[id][lang == REPORT_LANG_EN ? 1 : 0];
    return s ? s : "";
}

void str_format(report_buf_t *out, const char *tmpl, const char *const *args, size_t n,
                bool escape)
{
    const char *run = tmpl;
    for (const char *p = tmpl; *p; p++) {
        if (p[0] != '{' || p[1] < '1' || p[1] > '9' || p[2] != '}')
            continue;
        size_t k = (size_t)(p[1] - '1');
        if (k >= n || !args[k])
            continue;
        buf_putn(out, run, (size_t)(p - run));
        if (escape)
            buf_put_html(out, args[k]);
        else
            buf_put(out, args[k]);
        p += 2;
        run = p + 1;
    }
    buf_put(out, run);
}
