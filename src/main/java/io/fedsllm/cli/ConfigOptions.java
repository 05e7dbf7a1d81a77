package io.fedsllm.cli;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.ConfigValidation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The configuration flags every command shares: {@code --config FILE} and repeated {@code --set path=value}. */
public final class ConfigOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "HOCON file with the keys to change (see application.conf for every key)")
    Path configFile;

    @Option(names = "--set", paramLabel = "PATH=VALUE",
            description = "Override one config key, e.g. --set radio.bandwidth-hz=10e6 (repeatable; the 'fedsllm.' prefix is optional)")
    List<String> sets = new ArrayList<>();

    /**
     * Loads and validates the whole configuration (every section, {@link ConfigValidation#all}); {@code flags} are
     * the command's own flags (applied last), whose errors name the flag as typed.
     */
    public Config load(List<ConfigLoader.Flag> flags) {
        return validated(ConfigLoader.load(configFile, sets, flags));
    }

    /** As {@link #load(List)} over other defaults, e.g. a cluster role's {@code deploy/<role>.conf}. */
    public Config load(Config defaults, List<ConfigLoader.Flag> flags) {
        return validated(ConfigLoader.load(defaults, configFile, sets, flags));
    }

    /** As {@link #load(List)} with overrides {@code path=value} of the command itself (bench cases, sweep values). */
    public Config load(String... extra) {
        List<String> all = new ArrayList<>(sets);
        all.addAll(List.of(extra));
        return validated(ConfigLoader.load(configFile, all));
    }

    private static Config validated(Config c) {
        ConfigValidation.all(ConfigReader.root(c));
        return c;
    }

    /** The {@code --config} file as a list (empty without one): an input that no {@code --overwrite} may delete. */
    public List<Path> inputs() {
        return configFile == null ? List.of() : List.of(configFile);
    }
}
