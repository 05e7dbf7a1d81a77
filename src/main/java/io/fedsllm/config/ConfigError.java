package io.fedsllm.config;

/** A configuration key or value that cannot be accepted; the message names the key, the value and what is allowed. */
public final class ConfigError extends UserError {
    private static final long serialVersionUID = 1L;

    public ConfigError(String message) {
        super(message);
    }

    public ConfigError(String message, Throwable cause) {
        super(message, cause);
    }
}
