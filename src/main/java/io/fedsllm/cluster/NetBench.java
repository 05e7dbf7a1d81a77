package io.fedsllm.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code bench net}: bytes per second of activation-sized messages from this JVM to a child JVM on loopback, through
 * the {@link Courier} (both nodes a cluster over Artery, TLS or plain TCP) and through a raw TCP socket copying the
 * same bytes in the same run. A size's time runs from the first send to the receipt of the last message.
 */
public final class NetBench {
    private NetBench() {}

    /** Messages of the benchmark (bound to jackson-cbor in application.conf). */
    public interface Message {}

    /** A payload; the receiver answers with a {@link Receipt}. */
    public record Payload(long seq, byte[] data, ActorRef<Receipt> replyTo) implements Message {}

    /** The receiver got payload {@code seq} of {@code bytes} bytes. */
    public record Receipt(long seq, int bytes) implements Message {}

    /** Name of the receiving system actor in the child JVM. */
    static final String SINK = "net-bench-sink";
    /** The child's first line on stdout: {@code READY <raw socket port>}. */
    static final String READY = "READY ";

    /**
     * {@code fedsllm.cluster.bench}.
     *
     * @param sizes          message sizes, bytes
     * @param bytesPerSize   timed bytes per size and transport
     * @param minMessages    timed messages per size at least
     * @param warmupMessages untimed messages per size and transport first
     * @param timeout        limit for one size on one transport
     */
    public record Settings(List<Integer> sizes, long bytesPerSize, int minMessages, int warmupMessages, Duration timeout) {
        public static Settings from(Config config) {
            ConfigReader r = ConfigReader.root(config).section("cluster").section("bench");
            return new Settings(r.intList("sizes", 1, Integer.MAX_VALUE - 64), r.bytesInRange("bytes-per-size", 1, 1L << 40),
                    r.positiveInt("min-messages"), r.nonNegativeInt("warmup-messages"), r.positiveDuration("timeout"));
        }

        int messages(int size) {
            return (int) Math.max(minMessages, bytesPerSize / size);
        }
    }

    /**
     * One measured size.
     *
     * @param size                  message size, bytes
     * @param messages              timed messages per transport
     * @param courierBytesPerSecond through the courier (serialization, connection, deserialization, delivery included)
     * @param rawBytesPerSecond     through a plain TCP socket (length prefix, payload read into a new array, 1-byte receipt)
     * @param rawTlsBytesPerSecond  the same through a TLS socket with the nodes' stores; NaN on an insecure cluster
     */
    public record Row(int size, int messages, double courierBytesPerSecond, double rawBytesPerSecond,
                      double rawTlsBytesPerSecond) {
        /** The courier against the raw socket of its own kind: TLS on a TLS cluster, plain TCP on an insecure one. */
        public double ratio() {
            return courierBytesPerSecond / (Double.isNaN(rawTlsBytesPerSecond) ? rawBytesPerSecond : rawTlsBytesPerSecond);
        }
    }

    /**
     * Runs the benchmark: starts the receiving child JVM (same classpath), forms a two-node cluster with it (this JVM
     * is the coordinator, the child the main server), measures every size, and stops the child whatever happens.
     *
     * @param configFile the --config file or null; the child loads the same
     * @param sets       the --set overrides; the child gets the same
     * @param tlsDir     TLS folder for both nodes (one certificate serves both), or null for plain TCP
     */
    public static List<Row> run(Path configFile, List<String> sets, Path tlsDir, Consumer<Row> onRow) throws Exception {
        Config config = ConfigLoader.load(configFile, sets);
        Settings settings = Settings.from(config);
        int seedPort = HostPort.freeLoopbackPort();
        int childPort = HostPort.freeLoopbackPort();
        ActorSystem<Void> system = startNode(config, Role.COORDINATOR, seedPort, seedPort, tlsDir);
        Process child = null;
        Thread killer = null;
        try {
            child = startChild(configFile, sets, tlsDir, childPort, seedPort);
            killer = new Thread(child::destroyForcibly, "net-bench-child-killer");
            Runtime.getRuntime().addShutdownHook(killer);   // Ctrl-C on the bench must not leave the child behind
            int[] rawPorts = awaitReady(child, Duration.ofSeconds(60));
            CourierTls tls = CourierTls.fromArtery(system.settings().config());
            awaitMembers(system, 2, Duration.ofSeconds(60), child);
            ActorRef<Payload> sink = ActorRefResolver.get(system).resolveActorRef(
                    new HostPort("127.0.0.1", childPort).pekkoAddress(system.name()) + "/system/" + SINK);
            List<Row> rows = new ArrayList<>();
            for (int size : settings.sizes()) {
                byte[] data = new byte[size];
                new Random(size).nextBytes(data);
                int n = settings.messages(size);
                viaCourier(system, sink, data, settings.warmupMessages(), settings.timeout());
                double courier = size * (double) n / viaCourier(system, sink, data, n, settings.timeout());
                viaSocket(rawPorts[0], null, data, settings.warmupMessages(), settings.timeout());
                double raw = size * (double) n / viaSocket(rawPorts[0], null, data, n, settings.timeout());
                double rawTls = Double.NaN;
                if (tls != null) {
                    viaSocket(rawPorts[1], tls, data, settings.warmupMessages(), settings.timeout());
                    rawTls = size * (double) n / viaSocket(rawPorts[1], tls, data, n, settings.timeout());
                }
                Row row = new Row(size, n, courier, raw, rawTls);
                rows.add(row);
                onRow.accept(row);
            }
            return rows;
        } finally {
            system.terminate();
            if (child != null) {
                stopChild(child);
                try {
                    Runtime.getRuntime().removeShutdownHook(killer);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
            }
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** Seconds from the first send to the receipt of the last of {@code n} payloads sent through the courier. */
    private static double viaCourier(ActorSystem<?> system, ActorRef<Payload> sink, byte[] data, int n, Duration timeout)
            throws Exception {
        if (n == 0) {
            return 0;
        }
        CountDownLatch receipts = new CountDownLatch(n);
        ActorRef<Receipt> counter = system.systemActorOf(Behaviors.receiveMessage((Receipt r) -> {
            receipts.countDown();
            return receipts.getCount() == 0 ? Behaviors.stopped() : Behaviors.same();
        }), "net-bench-receipts-" + System.nanoTime(), Props.empty());
        {
            Courier courier = Courier.get(system);
            List<CompletableFuture<?>> sends = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sends.add(courier.send(sink, new Payload(i, data, counter)).toCompletableFuture());
            }
            if (!receipts.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                for (CompletableFuture<?> f : sends) {
                    if (f.isCompletedExceptionally()) {
                        f.get();   // throws the courier's reason
                    }
                }
                throw new TimeoutException(receipts.getCount() + " of " + n + " payloads of " + data.length
                        + " bytes were not received within " + timeout);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return seconds;
        }
    }

    /**
     * Seconds to send {@code n} length-prefixed copies of {@code data} on a fresh socket (TLS when {@code tls} is not
     * null, timed from after the handshake) until the last receipt.
     */
    private static double viaSocket(int port, CourierTls tls, byte[] data, int n, Duration timeout) throws IOException {
        if (n == 0) {
            return 0;
        }
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
        plain.setTcpNoDelay(true);
        try (Socket s = tls == null ? plain : tls.client(plain, "127.0.0.1", port)) {
            if (s instanceof javax.net.ssl.SSLSocket ssl) {
                ssl.startHandshake();
            }
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            InputStream in = s.getInputStream();
            long start = System.nanoTime();
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeInt(data.length);
                out.write(data);
            }
            out.flush();
            for (int i = 0; i < n; i++) {
                if (in.read() < 0) {
                    throw new IOException("the raw socket closed after " + i + " of " + n + " receipts");
                }
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    static ActorSystem<Void> startNode(Config config, Role role, int port, int seedPort, Path tlsDir) {
        Config flags = NodeSettings.flags("127.0.0.1", port, "127.0.0.1:" + seedPort, tlsDir, tlsDir == null);
        Config effective = flags.withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING")).withFallback(config).resolve();
        return NodeConfig.start(Behaviors.empty(), NodeSettings.from(effective, role), effective);
    }

    static void awaitMembers(ActorSystem<?> system, int members, Duration timeout, Process child)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long up = 0;
            for (var m : Cluster.get(system).state().getMembers()) {
                up += m.status() == MemberStatus.up() ? 1 : 0;
            }
            if (up >= members) {
                return;
            }
            if (!child.isAlive()) {
                throw new IllegalStateException("the receiving JVM exited with code " + child.exitValue() + " (see its log above)");
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the two benchmark nodes did not form a cluster within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    static Process startChild(Path configFile, List<String> sets, Path tlsDir, int port, int seedPort)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                NetBench.class.getName(), String.valueOf(port), String.valueOf(seedPort),
                tlsDir == null ? "-" : tlsDir.toAbsolutePath().toString(),
                configFile == null ? "-" : configFile.toAbsolutePath().toString()));
        cmd.addAll(sets);
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The child's raw socket ports: plain, then TLS (0 on an insecure cluster). */
    static int[] awaitReady(Process child, Duration timeout) throws Exception {
        CompletableFuture<int[]> ready = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.startsWith(READY)) {
                        drain(r);
                        String[] ports = line.substring(READY.length()).trim().split(" ");
                        return new int[] {Integer.parseInt(ports[0]), Integer.parseInt(ports[1])};
                    }
                }
                throw new IllegalStateException("the receiving JVM ended before it was ready");
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the receiving JVM's output: " + e.getMessage(), e);
            }
        });
        try {
            return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    /** Reads and drops the rest of the child's stdout, so that it never blocks on a full pipe. */
    private static void drain(BufferedReader r) {
        Thread t = new Thread(() -> {
            try {
                while (r.readLine() != null) {
                    // dropped
                }
            } catch (IOException ignored) {
                // the child ended
            }
        }, "net-bench-child-stdout");
        t.setDaemon(true);
        t.start();
    }

    /** Closes the child's stdin (it exits on EOF), then kills it if it is still there after 10 s. */
    static void stopChild(Process child) throws InterruptedException {
        try {
            child.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        if (!child.waitFor(10, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The receiving JVM: {@code NetBench PORT SEED_PORT TLS_DIR|- CONFIG_FILE|- [SET...]}. Joins the cluster as the
     * main server, answers payloads with receipts, serves the raw socket, prints {@code READY <raw port>}, and exits
     * when its stdin ends (the parent closed it or died).
     */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int seedPort = Integer.parseInt(args[1]);
        Path tlsDir = args[2].equals("-") ? null : Path.of(args[2]);
        Path configFile = args[3].equals("-") ? null : Path.of(args[3]);
        List<String> sets = List.of(args).subList(4, args.length);
        ActorSystem<Void> system = startNode(ConfigLoader.load(configFile, sets), Role.MAIN_SERVER, port, seedPort, tlsDir);
        system.systemActorOf(sink(), SINK, Props.empty());
        ServerSocket plain = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        serveRaw(plain);
        CourierTls tls = CourierTls.fromArtery(system.settings().config());
        ServerSocket secure = null;
        if (tls != null) {
            secure = tls.server();
            secure.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
            serveRaw(secure);
        }
        System.out.println(READY + plain.getLocalPort() + " " + (secure == null ? 0 : secure.getLocalPort()));
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for EOF
        }
        plain.close();
        if (secure != null) {
            secure.close();
        }
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.exit(0);
    }

    private static Behavior<Payload> sink() {
        return Behaviors.receiveMessage(p -> {
            p.replyTo().tell(new Receipt(p.seq(), p.data().length));
            return Behaviors.same();
        });
    }

    /** Serves {@code server} on a daemon thread, see {@link #raw}. */
    private static void serveRaw(ServerSocket server) {
        Thread t = new Thread(() -> raw(server), "net-bench-raw-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** One connection at a time: a count, then that many length-prefixed payloads, each read whole and receipted. */
    private static void raw(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                int n = in.readInt();
                for (int i = 0; i < n; i++) {
                    byte[] data = new byte[in.readInt()];
                    in.readFully(data);
                    out.write(1);
                    out.flush();
                }
            } catch (IOException e) {
                if (!server.isClosed()) {
                    System.err.println("net bench raw socket: " + e);
                }
            }
        }
    }
}
