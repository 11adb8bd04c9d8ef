#include "core/base.h"

#include "correlate/corr.h"
