package io.fedsllm.cli;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
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

    /** Loads the configuration; {@code extra} are overrides from command-specific flags (applied last). */
    public Config load(String... extra) {
        List<String> all = new ArrayList<>(sets);
        all.addAll(List.of(extra));
        return ConfigLoader.load(configFile, all);
    }
}
