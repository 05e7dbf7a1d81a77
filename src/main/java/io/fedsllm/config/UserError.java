package io.fedsllm.config;

/**
 * An error the user caused (a config key, a CLI flag, a data or scenario file). The CLI prints its message
 * without a stack trace; errors of the program itself stay ordinary exceptions and keep their stack trace.
 */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
