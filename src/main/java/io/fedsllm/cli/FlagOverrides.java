package io.fedsllm.cli;

import io.fedsllm.config.ConfigLoader.Flag;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The config keys a command's own flags set ({@code --clients 5} sets {@code system.clients}), each remembered with
 * the flag and value exactly as typed, so that a rejected value is reported as {@code --clients 0}, never as the key.
 */
final class FlagOverrides {
    private final CommandSpec spec;
    private final List<Flag> flags = new ArrayList<>();

    FlagOverrides(CommandSpec spec) {
        this.spec = spec;
    }

    /** {@code name} sets {@code path} to {@code value}; nothing when the flag was not given (value null). */
    FlagOverrides add(String name, String path, Object value) {
        if (value != null) {
            flags.add(new Flag(name + " " + typed(name, value), path, value));
        }
        return this;
    }

    /** The value as the user typed it (e.g. "2", not "2.0"); the value itself when picocli has no record of it. */
    private String typed(String name, Object value) {
        OptionSpec option = spec.findOption(name);
        if (option != null && !option.originalStringValues().isEmpty()) {
            List<String> given = option.originalStringValues();
            return given.get(given.size() - 1);
        }
        return String.valueOf(value);
    }

    List<Flag> list() {
        return List.copyOf(flags);
    }
}
