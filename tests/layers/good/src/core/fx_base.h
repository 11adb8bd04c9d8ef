/* core/fx_base.h: fixture. */
