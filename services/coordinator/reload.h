/* reload.h — SIGHUP for hcbus-coordinator: read the configuration file again and give
 * the engine the new institutions and roles (who is police, who is a zone authority
 * and what their grants cover), as the broker does on its own SIGHUP. The coordinator
 * section itself (identity, endpoints, rule times) is read only at start: a reload
 * that changes it is refused, saying which setting and that a restart applies it. */
#ifndef COORD_RELOAD_H
#define COORD_RELOAD_H

#include "engine.h"
#include "hcbus/config.h"

/* Load (*config_p)->path again. On success the engine uses the new config, the old one
 * is freed and *config_p points to the new one; on a refusal (an error in the file, a
 * changed coordinator section) the old one stays in force. Either way one log line
 * says what happened. Returns 0 if reloaded, -1 if refused. */
int coord_reload(hcbus_config_t **config_p, coord_engine_t *engine);

#endif
