package io.fedsllm.cli;

import io.fedsllm.cluster.NetBench;
import io.fedsllm.config.UserError;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedsllm bench net}: the courier against a raw socket between two JVMs on loopback (cluster.bench). */
@Command(name = "net", mixinStandardHelpOptions = true,
        description = {"Bytes per second of activation-sized messages (fedsllm.cluster.bench.sizes) from this JVM to a child"
                + " JVM on 127.0.0.1, through the cluster's courier and through a raw TCP socket in the same run, and"
                + " their ratio.",
                "Give the TLS folder of one node (deploy/gen-certs.sh CERTS bench; both JVMs use it) or --insecure."})
public final class BenchNetCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--tls-dir", paramLabel = "DIR", description = "TLS folder made by deploy/gen-certs.sh (CERTS/NAME)")
    Path tlsDir;

    @Option(names = "--insecure", description = "plain TCP between the two nodes (no TLS)")
    boolean insecure;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (insecure == (tlsDir != null)) {
            throw new UserError("bench net needs exactly one of --tls-dir DIR (a folder made by 'deploy/gen-certs.sh CERTS"
                    + " NAME', DIR = CERTS/NAME) and --insecure");
        }
        var out = spec.commandLine().getOut();
        out.println(String.format(Locale.ROOT, "courier (%s) vs raw sockets, 127.0.0.1, two JVMs",
                insecure ? "plain TCP" : "mutual TLS"));
        out.println(String.format(Locale.ROOT, "%12s %9s %13s %16s %17s %7s", "message B", "messages", "courier MB/s",
                "TLS socket MB/s", "plain socket MB/s", "ratio"));
        out.flush();
        NetBench.run(config.configFile, config.sets, tlsDir, row -> {
            out.println(String.format(Locale.ROOT, "%12d %9d %13.1f %16s %17.1f %7.3f", row.size(), row.messages(),
                    row.courierBytesPerSecond() / 1e6, Double.isNaN(row.rawTlsBytesPerSecond()) ? "-"
                            : String.format(Locale.ROOT, "%.1f", row.rawTlsBytesPerSecond() / 1e6),
                    row.rawBytesPerSecond() / 1e6, row.ratio()));
            out.flush();
        });
        out.println("ratio = courier / the socket of the same kind (TLS on a TLS cluster, plain TCP with --insecure);"
                + " MB = 10^6 bytes");
        return 0;
    }
}
