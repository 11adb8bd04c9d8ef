/* detect/fx_rule.h: fixture. */
#include "core/fx_base.h"
