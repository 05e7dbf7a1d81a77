package io.fedsllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedsllm.scenario.Occurrence;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.scenario.StragglerPolicy;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fedsllm scenario FILE}: checks a scenario file against the configuration a run would use (rounds,
 * iterations, clients, population, scheme) and lists what it makes happen, in order; a malformed file is rejected
 * with file, line and reason (exit 2), as {@code run --scenario} will reject it before anything runs.
 */
@Command(name = "scenario", mixinStandardHelpOptions = true,
        description = "Check a scenario file (docs/scenarios.md) against the configuration and list its events.")
public final class ScenarioCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Parameters(paramLabel = "FILE", description = "the scenario file (HOCON)")
    Path file;

    @Option(names = "--json", description = "one JSON object per occurrence (the events.jsonl details) instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Scenario s = Scenario.load(file, config.load());
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            for (Occurrence o : s.occurrences()) {
                System.out.println(mapper.writeValueAsString(o.describe()));
            }
            return 0;
        }
        System.out.printf(Locale.ROOT, "%s: %s%n%d events, %d occurrences; straggler policy %s; %d clients started per round%n",
                file, s.description().isBlank() ? "(no description)" : s.description(), s.events().size(),
                s.occurrences().size(), policy(s.stragglerPolicy()), s.clientsStarted());
        for (Occurrence o : s.occurrences()) {
            System.out.printf(Locale.ROOT, "  line %3d  %-18s %-8s %s%s%n", o.event().line(), o.event().type().configName(),
                    o.phase().configName(), o.at().describe(), o.clients().isEmpty() ? "" : "  clients " + o.clients());
        }
        return 0;
    }

    private static String policy(StragglerPolicy p) {
        if (p instanceof StragglerPolicy.Deadline d) {
            return "deadline (factor " + d.factor() + ")";
        }
        if (p instanceof StragglerPolicy.OverSelect o) {
            return "over-select (+" + o.extraClients() + " clients)";
        }
        return "wait-all";
    }
}
