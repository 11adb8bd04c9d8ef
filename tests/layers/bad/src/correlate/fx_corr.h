/* correlate/fx_corr.h: fixture. */
#include "core/fx_base_bad.h"
