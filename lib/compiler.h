/* compiler.h: attributes that let the compiler hold us to our contracts. */
#ifndef ITALIC_COMPILER_H
#define ITALIC_COMPILER_H

#define WARN_UNUSED __attribute__((warn_unused_result))
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#define UNUSED __attribute__((unused))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
