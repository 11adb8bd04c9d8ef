/* core/base.h: fixture. */
