/* detect/fx_rule.c: fixture, includes of its own and an earlier stage. */
#include "detect/fx_rule.h"
#include "core/fx_base.h"
