/* ttsh-engine-components.c — what the engine thread starts, in order.
 *
 * Each component owns one concern (alarms, sender to C08, API server) and is
 * started after the store is open; they stop in reverse order. */
#define G_LOG_DOMAIN "ttsh-engine"
#include "config.h"

#include "ttsh-checks.h"
#include "ttsh-engine.h"
#include "ttsh-sender.h"
#include "ttsh-server.h"

const TtshEngineComponent *const ttsh_engine_components[] = {
  &ttsh_checks_component,
  &ttsh_server_component,
  &ttsh_sender_component,
  NULL
};
