package io.fedsllm.emu;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.UserError;
import io.fedsllm.net.Deployment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;

/** Runs one emulated experiment in this JVM: an actor system whose guardian is the {@link Coordinator}. */
public final class Emulator {
    private Emulator() {}

    /** Runs the experiment the configuration describes; {@code sink} sees every round as it finishes. */
    public static RunResult run(Config config, RunSink sink) {
        return run(config, sink, new MessageAudit());
    }

    /** As {@link #run(Config, RunSink)}, recording into the given audit (tests inspect it). */
    public static RunResult run(Config config, RunSink sink, MessageAudit audit) {
        ConfigReader root = ConfigReader.root(config);
        EmuSettings emu = EmuSettings.from(root);
        if (emu.mode() == EmuSettings.Mode.REAL) {
            throw new UserError("config key 'fedsllm.emu.mode' = real: real mode needs the training library "
                    + "(package io.fedsllm.train), which is not part of this build yet; use analytic");
        }
        if (emu.targetLoss() != null) {
            throw new UserError("config key 'fedsllm.emu.target-loss' = " + emu.targetLoss() + ": analytic mode "
                    + "computes no loss, so a target can never be reached; set it to null or use real mode");
        }
        int k = root.section("system").positiveInt("clients");
        for (String link : new String[] {"main", "fed"}) {
            ConfigReader radio = root.section("radio").section(link);
            if (radio.positiveInt("subchannels") < k) {
                throw radio.invalid("subchannels", "expected at least system.clients = " + k
                        + " (every client owns at least one subchannel on each link)");
            }
        }
        if (emu.computeDelay() == EmuSettings.ComputeDelay.MEASURED) {
            throw new UserError("config key 'fedsllm.emu.compute-delay' = measured: analytic mode has no compute to "
                    + "measure; use model");
        }
        Deployment deployment = Deployment.from(config);
        for (int c : emu.slowdown().keySet()) {
            checkClient(c, deployment.clients(), "slowdown");
        }
        for (int c : emu.killAtRound().keySet()) {
            checkClient(c, deployment.clients(), "kill-at-round");
        }
        RoundPlanning planning = new RoundPlanning(config, deployment);
        int[] samples = analyticSamples(root.getLong("seed"), deployment.clients(), emu);
        CompletableFuture<RunResult> done = new CompletableFuture<>();
        Config pekko = config.withFallback(ConfigFactory.defaultReference());
        ActorSystem<Coordinator.Command> system = ActorSystem.create(
                Coordinator.create(emu, planning, samples, false, sink, audit, done), "fedsllm", pekko);
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the emulation ran", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the emulation failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("actor system did not terminate within " + Duration.ofSeconds(30), e);
            }
        }
    }

    /** |D_k| in analytic mode: uniform whole numbers in [samples-min, samples-max], stream "analytic-samples", k. */
    public static int[] analyticSamples(long seed, int clients, EmuSettings emu) {
        int[] s = new int[clients];
        for (int k = 0; k < clients; k++) {
            s[k] = Seeds.random(seed, "analytic-samples", k).nextInt(emu.samplesMin(), emu.samplesMax() + 1);
        }
        return s;
    }

    private static void checkClient(int client, int clients, String key) {
        if (client >= clients) {
            throw new UserError("config key 'fedsllm.emu." + key + "' names client " + client + " but there are only "
                    + clients + " clients (ids 0.." + (clients - 1) + ")");
        }
    }
}
