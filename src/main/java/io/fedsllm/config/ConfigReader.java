package io.fedsllm.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Typed, validated access to one section of the configuration. Every getter fails with a {@link ConfigError}
 * that names the full key, the value given, where it came from and what is allowed. Settings records are built
 * with it in their {@code from(ConfigReader)} factories; no default value lives in code.
 */
public final class ConfigReader {
    private final Config config;
    private final String prefix;

    public ConfigReader(Config config, String prefix) {
        this.config = config;
        this.prefix = prefix;
    }

    /** A reader over the {@code fedsllm} root of the given (already loaded) configuration. */
    public static ConfigReader root(Config config) {
        return new ConfigReader(config, ConfigLoader.ROOT);
    }

    /** A reader over a sub-section, e.g. {@code root.section("radio")}. */
    public ConfigReader section(String name) {
        String full = key(name);
        if (!config.hasPath(full)) {
            throw new ConfigError("config section '" + full + "' is missing");
        }
        return new ConfigReader(config, full);
    }

    public Config config() {
        return config;
    }

    public String key(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    /** The names directly under this section, sorted. */
    public java.util.SortedSet<String> keys() {
        return new java.util.TreeSet<>(config.getConfig(prefix).root().keySet());
    }

    public boolean has(String name) {
        return config.hasPath(key(name));
    }

    // ---- raw typed reads -------------------------------------------------------------------------------

    public double getDouble(String name) {
        String k = key(name);
        double v = read(k, "a number", () -> config.getDouble(k));
        if (!Double.isFinite(v)) {
            throw bad(k, "a finite number");
        }
        return v;
    }

    public long getLong(String name) {
        String k = key(name);
        return read(k, "a whole number", () -> config.getLong(k));
    }

    public int getInt(String name) {
        String k = key(name);
        return read(k, "a whole number (32-bit)", () -> config.getInt(k));
    }

    public boolean getBoolean(String name) {
        String k = key(name);
        return read(k, "true or false", () -> config.getBoolean(k));
    }

    public String getString(String name) {
        String k = key(name);
        return read(k, "a string", () -> config.getString(k));
    }

    public List<Integer> getIntList(String name) {
        String k = key(name);
        return read(k, "a list of whole numbers", () -> config.getIntList(k));
    }

    public List<Double> getDoubleList(String name) {
        String k = key(name);
        List<Double> list = read(k, "a list of numbers", () -> config.getDoubleList(k));
        for (double d : list) {
            if (!Double.isFinite(d)) {
                throw bad(k, "a list of finite numbers");
            }
        }
        return list;
    }

    public List<String> getStringList(String name) {
        String k = key(name);
        return read(k, "a list of strings", () -> config.getStringList(k));
    }

    // ---- validated reads -------------------------------------------------------------------------------

    public double positiveDouble(String name) {
        double v = getDouble(name);
        if (!(v > 0)) {
            throw bad(key(name), "a number > 0");
        }
        return v;
    }

    public double nonNegativeDouble(String name) {
        double v = getDouble(name);
        if (!(v >= 0)) {
            throw bad(key(name), "a number >= 0");
        }
        return v;
    }

    public double doubleInRange(String name, double min, double max) {
        double v = getDouble(name);
        if (v < min || v > max) {
            throw bad(key(name), "a number in [" + min + ", " + max + "]");
        }
        return v;
    }

    public int positiveInt(String name) {
        return intInRange(name, 1, Integer.MAX_VALUE);
    }

    public int nonNegativeInt(String name) {
        return intInRange(name, 0, Integer.MAX_VALUE);
    }

    public int intInRange(String name, int min, int max) {
        int v = getInt(name);
        if (v < min || v > max) {
            throw bad(key(name), max == Integer.MAX_VALUE ? "a whole number >= " + min
                    : "a whole number in [" + min + ", " + max + "]");
        }
        return v;
    }

    /** A non-empty list of whole numbers, each within [min, max]. */
    public List<Integer> intList(String name, int min, int max) {
        List<Integer> v = getIntList(name);
        if (v.isEmpty()) {
            throw bad(key(name), "a non-empty list of whole numbers in [" + min + ", " + max + "]");
        }
        for (int x : v) {
            if (x < min || x > max) {
                throw bad(key(name), "a non-empty list of whole numbers in [" + min + ", " + max + "]");
            }
        }
        return List.copyOf(v);
    }

    /** One of the given lower-case names (e.g. "per-round", "quasi-static"). */
    public String oneOf(String name, String... allowed) {
        String v = getString(name);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw bad(key(name), "one of " + Arrays.toString(allowed));
    }

    /** An enum constant, spelled in the config in lower-case with dashes (WATER_FILLING ↔ water-filling). */
    public <E extends Enum<E>> E enumValue(String name, Class<E> type) {
        String v = getString(name);
        for (E e : type.getEnumConstants()) {
            if (configName(e).equals(v)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(configName(e));
        }
        throw bad(key(name), "one of " + names);
    }

    /** The config spelling of an enum constant. */
    public static String configName(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A directory path: any non-blank string. */
    public String directoryPath(String name) {
        String v = getString(name);
        if (v.isBlank()) {
            throw bad(key(name), "a non-empty directory path");
        }
        return v;
    }

    /** A duration in [{@code min}, {@code max}] written as HOCON duration, e.g. {@code 30s} or {@code 500ms}. */
    public java.time.Duration durationInRange(String name, java.time.Duration min, java.time.Duration max) {
        String k = key(name);
        java.time.Duration d = read(k, "a duration such as 30s", () -> config.getDuration(k));
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw bad(k, "a duration in [" + min + ", " + max + "] such as 30s");
        }
        return d;
    }

    /** A size in bytes within [{@code min}, {@code max}], written as a HOCON size such as {@code 1 MiB}. */
    public long bytesInRange(String name, long min, long max) {
        String k = key(name);
        String allowed = "a size in [" + min + ", " + max + "] bytes such as 1 MiB";
        long v = read(k, allowed, () -> config.getBytes(k));
        if (v < min || v > max) {
            throw bad(k, allowed);
        }
        return v;
    }

    /** A positive duration, e.g. {@code 30s}. */
    public java.time.Duration positiveDuration(String name) {
        String k = key(name);
        java.time.Duration d = read(k, "a duration such as 30s", () -> config.getDuration(k));
        if (d.isNegative() || d.isZero()) {
            throw bad(k, "a positive duration such as 30s");
        }
        return d;
    }

    // ---- errors ----------------------------------------------------------------------------------------

    /** An error naming the key, its current value and origin, and what is allowed. */
    public ConfigError bad(String fullKey, String allowed) {
        return new ConfigError(describe(fullKey) + ": expected " + allowed);
    }

    /** A domain-level error about a key (e.g. a cross-field constraint), with value and origin. */
    public ConfigError invalid(String name, String why) {
        return new ConfigError(describe(key(name)) + ": " + why);
    }

    private String describe(String fullKey) {
        if (!config.hasPathOrNull(fullKey)) {
            return "config key '" + fullKey + "' (missing)";
        }
        if (config.getIsNull(fullKey)) {
            return "config key '" + fullKey + "' = null";
        }
        ConfigValue v = config.getValue(fullKey);
        String origin = v.origin() == null ? "" : " (" + v.origin().description() + ")";
        return "config key '" + fullKey + "' = " + v.render() + origin;
    }

    private interface Read<T> {
        T get();
    }

    private <T> T read(String k, String expected, Read<T> r) {
        try {
            return r.get();
        } catch (ConfigException.Missing e) {
            throw new ConfigError("config key '" + k + "' is missing: expected " + expected);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw bad(k, expected);
        }
    }
}
