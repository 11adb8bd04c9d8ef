#include <stdio.h>
#include "detect/match.h"
#include "core/base.h"
