/* main.c: fixture. */
#include "core/fx_base.h"
