/* detect/fx_late.c: fixture, includes a later stage. */
#include "core/fx_base_bad.h"
#include "correlate/fx_corr.h"
