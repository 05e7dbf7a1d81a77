package io.fedsllm.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds the effective configuration: the defaults of {@code application.conf} (shipped in the jar), then an
 * optional {@code --config FILE}, then every {@code --set path=value} (later wins). Any key under
 * {@code fedsllm} that the defaults do not define is rejected, with the nearest known key as a hint, so a
 * typo never silently leaves a default in force. A model preset ({@code fedsllm.models.<name>}) may be new, but
 * its keys are the shape keys of {@link ModelShape#KEYS} and a new preset needs all of them. Keys under
 * {@code pekko} pass through to Pekko; a file key under any other root (e.g. {@code system.clients} written without
 * the {@code fedsllm { }} block) is rejected with its file and line, never ignored.
 */
public final class ConfigLoader {

    /** The root of every fedsllm key; {@code --set} paths without a known root get it prepended. */
    public static final String ROOT = "fedsllm";

    /**
     * Objects under which new keys are allowed (they are open maps, e.g. R(r) tables or per-client scripts).
     * A path is open when it starts with one of these prefixes followed by a dot.
     */
    private static final List<String> OPEN_OBJECTS = List.of("fedsllm.planner.rounds-table", "fedsllm.emu.slowdown",
            "fedsllm.emu.kill-at-round");

    /** Model presets: new names are allowed, their keys are the fixed shape keys. */
    private static final String MODELS = ROOT + ".models";

    /** The only root besides {@link #ROOT} a config file may hold: Pekko's own settings. */
    private static final String PEKKO = "pekko";

    /** Origin description of a value set by a command-line flag; what follows is the flag as typed. */
    private static final String FLAG_ORIGIN = "command-line flag ";

    private ConfigLoader() {}

    /**
     * A command-line flag that sets a config key, e.g. {@code --clients 5} sets {@code system.clients}. The value
     * keeps the flag as its origin, so an error about it names the flag the user typed, not the key.
     *
     * @param typed the flag and its value as typed, e.g. "--clients 5"
     * @param path  the key it sets ({@code fedsllm.} optional)
     * @param value the value (a String, Number or Boolean), taken as it is: never parsed as HOCON
     */
    public record Flag(String typed, String path, Object value) {
        Config asConfig(Config defaults) {
            String full = qualify(path);
            if (!defaults.hasPathOrNull(full)) {
                throw new IllegalArgumentException("flag " + typed + " sets " + full + ", which application.conf lacks");
            }
            return ConfigFactory.empty().withValue(full, ConfigValueFactory.fromAnyRef(value, FLAG_ORIGIN + typed));
        }
    }

    /** The flag as typed ("--clients 0") when a value came from a command-line flag, else null. */
    static String flagOf(ConfigOrigin origin) {
        if (origin == null || origin.description() == null || !origin.description().startsWith(FLAG_ORIGIN)) {
            return null;
        }
        return origin.description().substring(FLAG_ORIGIN.length());
    }

    /** The defaults alone, unresolved against system properties. */
    public static Config defaults() {
        Config defaults = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "application.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
        if (!defaults.hasPath(ROOT)) {
            throw new IllegalStateException("application.conf on the classpath has no '" + ROOT + "' section");
        }
        return defaults;
    }

    /** Loads defaults, an optional file and the {@code --set} overrides; validates keys; resolves. */
    public static Config load(Path file, List<String> sets) {
        return load(defaults(), file, sets, List.of());
    }

    /**
     * As {@link #load(Path, List)}, then the command's own flags (applied last: {@code --clients 3} wins over
     * {@code --set system.clients=4}).
     */
    public static Config load(Path file, List<String> sets, List<Flag> flags) {
        return load(defaults(), file, sets, flags);
    }

    /**
     * As {@link #load(Path, List)} over other defaults, e.g. a cluster role's {@code deploy/<role>.conf}, which
     * includes {@code application.conf}.
     */
    public static Config load(Config defaults, Path file, List<String> sets) {
        return load(defaults, file, sets, List.of());
    }

    /** The general case: {@code defaults}, then the file, the {@code --set}s and the command's flags. */
    public static Config load(Config defaults, Path file, List<String> sets, List<Flag> flags) {
        Config overlay = ConfigFactory.empty();
        if (file != null) {
            Config fromFile = parseFile(file);
            checkKnownKeys(fromFile, defaults, "in " + file);
            overlay = fromFile;
        }
        for (String set : sets == null ? List.<String>of() : sets) {
            Config one = parseSet(set, defaults);
            checkKnownKeys(one, defaults, "in --set " + set);
            overlay = one.withFallback(overlay);
        }
        for (Flag f : flags) {
            overlay = f.asConfig(defaults).withFallback(overlay);
        }
        checkModelPresets(overlay, defaults);
        try {
            return overlay.withFallback(defaults).resolve();
        } catch (ConfigException e) {
            throw new ConfigError("configuration cannot be resolved: " + e.getMessage(), e);
        }
    }

    /** Convenience: defaults plus overrides given as {@code path=value} strings (used by tests). */
    public static Config withSets(String... sets) {
        return load(null, List.of(sets));
    }

    static Config parseFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigError("config file " + file + " does not exist or is not a regular file");
        }
        try {
            return ConfigFactory.parseFile(file.toFile(),
                    ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
        } catch (ConfigException.Parse e) {
            throw new ConfigError("malformed config file " + file + ": " + e.getMessage(), e);
        } catch (ConfigException e) {
            throw new ConfigError("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses one {@code path=value}. The value is HOCON ("20e6", "\"text\"", "[1,2,4]"); where the default at
     * that path is a list, a bare comma-separated value {@code 1,2,4} is read as the list {@code [1,2,4]}.
     */
    static Config parseSet(String set, Config defaults) {
        int eq = set.indexOf('=');
        if (eq <= 0) {
            throw new ConfigError("--set '" + set + "' is not of the form path=value (e.g. --set radio.bandwidth-hz=10e6)");
        }
        String path = qualify(set.substring(0, eq).trim());
        String value = set.substring(eq + 1).trim();
        if (value.isEmpty()) {
            throw new ConfigError("--set '" + set + "' gives no value for " + path);
        }
        if (defaults.hasPathOrNull(path) && !defaults.getIsNull(path)
                && defaults.getValue(path).valueType() == ConfigValueType.LIST && !value.startsWith("[")) {
            value = "[" + value + "]";
        }
        try {
            return ConfigFactory.parseString(quotePath(path) + " = " + value,
                    ConfigParseOptions.defaults().setOriginDescription("--set " + set));
        } catch (ConfigException e) {
            throw new ConfigError("--set '" + set + "' cannot be parsed: " + e.getMessage(), e);
        }
    }

    /** Prefixes {@code fedsllm.} to a path that does not start with a known root. */
    static String qualify(String path) {
        if (path.equals(ROOT) || path.startsWith(ROOT + ".") || path.startsWith("pekko.")) {
            return path;
        }
        return ROOT + "." + path;
    }

    private static String quotePath(String path) {
        // Each path element is quoted so keys such as "gpt2-small" parse verbatim.
        StringBuilder sb = new StringBuilder();
        for (String part : path.split("\\.", -1)) {
            if (part.isEmpty()) {
                throw new ConfigError("config path '" + path + "' has an empty element");
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append('"').append(part.replace("\"", "")).append('"');
        }
        return sb.toString();
    }

    /**
     * Rejects every leaf of {@code overlay} under {@code fedsllm} that the defaults do not define, and every key of
     * a model preset that is not a shape key.
     */
    static void checkKnownKeys(Config overlay, Config defaults, String where) {
        for (Map.Entry<String, ConfigValue> e : overlay.entrySet()) {
            String key = e.getKey();
            if (key.equals(ROOT) || key.equals(PEKKO)) {
                throw new ConfigError(describe(key, e.getValue(), where) + " is a section, not a value: write its keys"
                        + " inside " + key + " { }");
            }
            if (key.startsWith(PEKKO + ".") || isOpen(key)) {
                continue;
            }
            if (!key.startsWith(ROOT + ".")) {
                // Without the fedsllm { } root every key of a file would be silently ignored.
                String rooted = ROOT + "." + key;
                throw new ConfigError(describe(key, e.getValue(), where) + " is outside '" + ROOT + "': every key of"
                        + " the project lives under " + ROOT + " { } (only '" + PEKKO + "' may sit beside it)"
                        + (defaults.hasPathOrNull(rooted) ? "; did you mean '" + rooted + "'?" : ""));
            }
            if (key.startsWith(MODELS + ".")) {
                checkModelKey(key, e.getValue(), where);
                continue;
            }
            if (!defaults.hasPathOrNull(key)) {
                throw new ConfigError(unknownKey(key, e.getValue(), where) + suggestion(key, knownKeys(defaults)));
            }
            ConfigValue def = defaults.getIsNull(key) ? null : defaults.getValue(key);
            ConfigValueType given = e.getValue().valueType();
            if (def != null && def.valueType() == ConfigValueType.OBJECT && given != ConfigValueType.OBJECT) {
                throw new ConfigError("config key '" + key + "' " + where + " is a section, not a value; its keys are "
                        + defaults.getConfig(key).root().keySet());
            }
        }
    }

    /**
     * "unknown config key 'k' in --set k=v", or from a file "unknown config key 'k' = v in FILE, line n" (a
     * {@code --set} already shows its value).
     */
    private static String unknownKey(String key, ConfigValue value, String where) {
        return "unknown " + describe(key, value, where);
    }

    /** "config key 'k' in --set k=v", or from a file "config key 'k' = v in FILE, line n". */
    private static String describe(String key, ConfigValue value, String where) {
        ConfigOrigin origin = value.origin();
        if (origin == null || origin.filename() == null) {
            return "config key '" + key + "' " + where;
        }
        int line = origin.lineNumber();
        return "config key '" + key + "' = " + value.render(ConfigRenderOptions.concise()) + " " + where
                + (line > 0 ? ", line " + line : "");
    }

    /** A leaf under {@code fedsllm.models}: must be {@code fedsllm.models.<name>.<shape key>}. */
    private static void checkModelKey(String key, ConfigValue value, String where) {
        List<String> path = ConfigUtil.splitPath(key);
        if (path.size() == 3) {
            throw new ConfigError("config key '" + key + "' " + where + " is a model preset, not a value; its keys are "
                    + ModelShape.KEYS);
        }
        String prefix = ConfigUtil.joinPath(path.subList(0, 3));
        if (path.size() > 4 || !ModelShape.KEYS.contains(path.get(3))) {
            List<String> known = ModelShape.KEYS.stream().map(k -> prefix + "." + k).toList();
            throw new ConfigError(unknownKey(key, value, where) + " (a model preset's keys are " + ModelShape.KEYS + ")"
                    + suggestion(key, known));
        }
    }

    /** Every preset under {@code fedsllm.models} after all overrides has every shape key (new presets included). */
    private static void checkModelPresets(Config overlay, Config defaults) {
        if (!overlay.hasPath(MODELS)) {
            return;
        }
        Config merged = overlay.withFallback(defaults).getConfig(MODELS);
        for (String name : overlay.getConfig(MODELS).root().keySet()) {
            String quoted = ConfigUtil.joinPath(name);
            List<String> missing = ModelShape.KEYS.stream().filter(k -> !merged.hasPath(quoted + "." + k)).toList();
            if (!missing.isEmpty()) {
                throw new ConfigError("model preset '" + MODELS + "." + quoted + "' lacks " + missing
                        + ": a new preset needs every key of " + ModelShape.KEYS + " (e.g. --set models." + quoted + "."
                        + missing.get(0) + "=...)");
            }
        }
    }

    private static boolean isOpen(String key) {
        for (String open : OPEN_OBJECTS) {
            if (key.startsWith(open + ".")) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> knownKeys(Config defaults) {
        Set<String> known = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : defaults.entrySet()) {
            if (e.getKey().startsWith(ROOT + ".")) {
                known.add(e.getKey());
            }
        }
        return known;
    }

    private static String suggestion(String key, Collection<String> known) {
        List<String> sorted = new ArrayList<>(known);
        sorted.sort(Comparator.comparingInt((String k) -> editDistance(k, key)).thenComparing(k -> k));
        if (sorted.isEmpty()) {
            return "";
        }
        String best = sorted.get(0);
        int d = editDistance(best, key);
        return d <= Math.max(3, key.length() / 3) ? "; did you mean '" + best + "'?" : "; see application.conf for the keys";
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
