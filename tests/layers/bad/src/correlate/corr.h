/* correlate/corr.h: fixture. */
#include "core/base.h"
