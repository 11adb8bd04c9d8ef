/* cli/fx_cmd.c: fixture, the last stage includes earlier ones. */
#include <stdio.h>

#include "core/fx_base.h"
#include "detect/fx_rule.h"
