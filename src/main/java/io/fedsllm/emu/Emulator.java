package io.fedsllm.emu;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.CostSettings;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.data.E2eRecord;
import io.fedsllm.net.Deployment;
import io.fedsllm.plan.RoundPlanner;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import io.fedsllm.train.TrainContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one emulated experiment in this JVM: an actor system whose guardian is the {@link Coordinator}. Real mode
 * first builds the shared {@link TrainContext} (pre-training the base when it is not cached) and the clients'
 * shards; its delay model describes the model being trained ({@code cost.model} is set to {@code train.model}).
 */
public final class Emulator {
    private static final Logger LOG = LoggerFactory.getLogger(Emulator.class);

    private Emulator() {}

    /** Runs the experiment the configuration describes; {@code sink} sees every round as it finishes. */
    public static RunResult run(Config config, RunSink sink) {
        return run(config, sink, new MessageAudit());
    }

    /** As {@link #run(Config, RunSink)}, recording into the given audit (tests inspect it). */
    public static RunResult run(Config config, RunSink sink, MessageAudit audit) {
        ConfigReader root = ConfigReader.root(config);
        EmuSettings emu = EmuSettings.from(root);
        boolean real = emu.mode() == EmuSettings.Mode.REAL;
        if (real) {
            config = realModeConfig(config, root);
            root = ConfigReader.root(config);
        }
        if (!real && emu.targetLoss() != null) {
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
        if (!real && emu.computeDelay() == EmuSettings.ComputeDelay.MEASURED) {
            throw new UserError("config key 'fedsllm.emu.compute-delay' = measured: analytic mode has no compute to "
                    + "measure; use model or emu.mode = real");
        }
        if ((emu.scheme() == EmuSettings.Scheme.SL || emu.scheme() == EmuSettings.Scheme.FL)
                && emu.planner() == EmuSettings.PlannerChoice.BCD) {
            LOG.warn("fedsllm.emu.planner = bcd is not used by fedsllm.emu.scheme = {}: {}; set emu.planner = equal to "
                    + "silence this", ConfigReader.configName(emu.scheme()), emu.scheme() == EmuSettings.Scheme.SL
                    ? "sl plans each client alone on the whole band (equal subchannels, exact power, every split and rank)"
                    : "fl gives every client equal fed-link subchannels with exact power, at rank lora.rank");
        }
        Deployment deployment = Deployment.from(config);
        for (int c : emu.slowdown().keySet()) {
            checkClient(c, deployment.clients(), "slowdown");
        }
        for (int c : emu.killAtRound().keySet()) {
            checkClient(c, deployment.clients(), "kill-at-round");
        }
        RoundPlanner planning = RoundPlanner.create(config, deployment);
        if (!real) {
            int[] samples = analyticSamples(root.getLong("seed"), deployment.clients(), emu);
            return execute(config, emu, done -> Coordinator.create(emu, planning, samples, sink, audit, done));
        }
        try (TrainContext context = TrainContext.create(config)) {
            List<List<E2eRecord>> shards = new ArrayList<>();
            for (int c = 0; c < deployment.clients(); c++) {
                shards.add(context.shard(c, deployment.clients()));
            }
            RealMode mode = new RealMode(context, shards,
                    emu.computeDelay() == EmuSettings.ComputeDelay.MEASURED ? emu.measuredScale() : null);
            return execute(config, emu, done -> Coordinator.create(emu, planning, mode, sink, audit, done));
        }
    }

    /**
     * Real mode's configuration: the delay model (cost model) describes the model actually trained, so the
     * planner's split layers are the trained model's block boundaries.
     */
    private static Config realModeConfig(Config config, ConfigReader root) {
        String model = TrainSettings.from(root).model();
        CostSettings cost = CostSettings.from(root);
        if (cost.mode() == CostSettings.Mode.PAPER_TABLE && !model.equals(CostSettings.PAPER_TABLE_MODEL)) {
            throw new UserError("config key 'fedsllm.cost.mode' = paper-table: real mode trains train.model = '" + model
                    + "' and its delay model must describe it; paper-table holds " + CostSettings.PAPER_TABLE_MODEL
                    + " only: use cost.mode = derived or train.model = " + CostSettings.PAPER_TABLE_MODEL);
        }
        return ConfigFactory.parseMap(Map.of("fedsllm.cost.model", model)).withFallback(config);
    }

    /**
     * Starts the actor system, whose guardian runs the coordinator on the planning dispatcher (the planner and the
     * record writing block) and stops with it, and waits for the result. The run's future always completes: with
     * the result, with the failure the coordinator reports, or when the actor system terminates without either.
     */
    private static RunResult execute(Config config, EmuSettings emu,
            Function<CompletableFuture<RunResult>, Behavior<Coordinator.Command>> coordinator) {
        CompletableFuture<RunResult> done = new CompletableFuture<>();
        Config pekko = config.withFallback(ConfigFactory.defaultReference());
        Behavior<Void> guardian = Behaviors.setup(ctx -> {
            ctx.watch(ctx.spawn(coordinator.apply(done), "coordinator",
                    DispatcherSelector.fromConfig("fedsllm.planning-dispatcher")));
            return Behaviors.receive(Void.class).onSignal(Terminated.class, t -> Behaviors.stopped()).build();
        });
        ActorSystem<Void> system = ActorSystem.create(guardian, "fedsllm", pekko);
        system.getWhenTerminated().whenComplete((d, e) -> done.completeExceptionally(
                new IllegalStateException("the actor system terminated before the run completed")));
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the emulation ran", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UserError u) {
                throw u;
            }
            throw new IllegalStateException("the emulation failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(emu.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("actor system did not terminate within " + emu.shutdownTimeout()
                        + " (fedsllm.emu.shutdown-timeout)", e);
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
