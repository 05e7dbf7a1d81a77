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

    /** A whole number (64-bit); a fraction such as 1.5 or a value beyond the 64-bit range is rejected, never rounded. */
    public long getLong(String name) {
        String k = key(name);
        return whole(k, read(k, "a whole number", () -> config.getNumber(k)), Long.MIN_VALUE, Long.MAX_VALUE,
                "a whole number");
    }

    /** A whole number (32-bit); a fraction such as 2.9 or a value beyond the 32-bit range is rejected, never truncated. */
    public int getInt(String name) {
        String k = key(name);
        return (int) whole(k, read(k, "a whole number (32-bit)", () -> config.getNumber(k)), Integer.MIN_VALUE,
                Integer.MAX_VALUE, "a whole number (32-bit)");
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
        List<Integer> out = new ArrayList<>();
        for (Number n : read(k, "a list of whole numbers", () -> config.getNumberList(k))) {
            out.add((int) whole(k, n, Integer.MIN_VALUE, Integer.MAX_VALUE, "a list of whole numbers (32-bit)"));
        }
        return out;
    }

    /**
     * {@code n} as a whole number in [min, max]. Typesafe Config truncates 2.9 to 2 when asked for an int and
     * saturates 1e30 to Long.MAX_VALUE when asked for a long; here both are errors naming the key.
     */
    private long whole(String k, Number n, long min, long max, String expected) {
        if (n instanceof Integer || n instanceof Long) {
            long v = n.longValue();
            if (v >= min && v <= max) {
                return v;
            }
            throw bad(k, expected);
        }
        double d = n.doubleValue();
        // 2^63 is the first double beyond the long range; (double) Long.MAX_VALUE rounds up to it.
        if (d != Math.rint(d) || d < min || d >= 0x1p63 || d > max) {
            throw bad(k, expected + (d != Math.rint(d) ? ", not a fraction (it is never rounded)" : ""));
        }
        return (long) d;
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

    /**
     * A physical quantity within its documented range [min, max] (application.conf gives each range with its
     * source), so that no value that passes yields an infinite or NaN delay, rate or power.
     *
     * @param what the quantity and its unit as the message shows it, e.g. "a power in dBm"
     */
    public double physical(String name, String what, double min, double max) {
        double v = getDouble(name);
        if (v < min || v > max) {
            throw bad(key(name), what + " in [" + plain(min) + ", " + plain(max) + "]");
        }
        return v;
    }

    /** A number as people write it in a config: 20 not 20.0, 1.0E9 as 1e9. */
    static String plain(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e4) {
            return Long.toString((long) v);
        }
        java.math.BigDecimal b = new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros();
        int exponent = b.precision() - b.scale() - 1;
        if (exponent >= -3 && exponent < 4) {
            return b.toPlainString();
        }
        return b.movePointLeft(exponent).toPlainString() + "e" + exponent;
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

    /** A directory path, or null when the key is null (the command then picks a new directory of its own). */
    public String optionalDirectoryPath(String name) {
        return config.getIsNull(key(name)) ? null : directoryPath(name);
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

    /**
     * Where a value came from, as the user wrote it: {@code --clients 0 (config key 'fedsllm.system.clients')} for a
     * command-line flag, else {@code config key 'k' = v (origin)} with the file and line or the {@code --set}.
     */
    private String describe(String fullKey) {
        if (!config.hasPathOrNull(fullKey)) {
            return "config key '" + fullKey + "' (missing)";
        }
        if (config.getIsNull(fullKey)) {
            return "config key '" + fullKey + "' = null";
        }
        ConfigValue v = config.getValue(fullKey);
        String flag = ConfigLoader.flagOf(v.origin());
        if (flag != null) {
            return flag + " (config key '" + fullKey + "')";
        }
        String origin = v.origin() == null ? "" : " (" + v.origin().description() + ")";
        return "config key '" + fullKey + "' = " + v.render() + origin;
    }

    /**
     * How a message names the value of a key that another key is checked against: the flag as typed
     * ({@code --clients 500}) when a flag set it, else {@code fedsllm.system.clients = 500}.
     */
    public String source(String name) {
        String k = key(name);
        if (config.hasPath(k)) {
            String flag = ConfigLoader.flagOf(config.getValue(k).origin());
            if (flag != null) {
                return flag;
            }
            return k + " = " + config.getValue(k).render();
        }
        return k + (config.hasPathOrNull(k) ? " = null" : " (missing)");
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
