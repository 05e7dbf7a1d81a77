package io.fedsllm.cluster;

import io.fedsllm.config.UserError;
import java.util.regex.Pattern;

/**
 * A node's network address: a hostname or IPv4 address and a TCP port.
 *
 * @param host hostname or IPv4 address
 * @param port TCP port, 1..65535
 */
public record HostPort(String host, int port) {
    /** Hostnames (RFC 1123 labels, dots) and IPv4 addresses; IPv6 is not supported in {@code host:port} form. */
    static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");

    /** Parses {@code host:port}; {@code where} names the key or flag for the error message. */
    public static HostPort parse(String text, String where) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw bad(text, where);
        }
        String host = t.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw bad(text, where);
        }
        if (!validHost(host) || port < 1 || port > 65535) {
            throw bad(text, where);
        }
        return new HostPort(host, port);
    }

    /** True for a hostname or IPv4 address this class accepts. */
    static boolean validHost(String host) {
        return HOST.matcher(host).matches();
    }

    /** A TCP port free on the loopback interface right now (for local clusters, benchmarks and tests). */
    public static int freeLoopbackPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("no free loopback port: " + e.getMessage(), e);
        }
    }

    /** The Pekko address of the node of this system name, e.g. {@code pekko://fedsllm@127.0.0.1:25520}. */
    public String pekkoAddress(String systemName) {
        return "pekko://" + systemName + "@" + host + ":" + port;
    }

    private static UserError bad(String text, String where) {
        return new UserError(where + ": '" + text + "' is not host:port: expected a hostname or IPv4 address, a colon and"
                + " a port in [1, 65535], e.g. 127.0.0.1:25520");
    }
}
