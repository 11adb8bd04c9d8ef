#include "core/base.h"
#include "detect/match.h"
