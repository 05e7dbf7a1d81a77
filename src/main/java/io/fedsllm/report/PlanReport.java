package io.fedsllm.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedsllm.cost.ComputeProfile;
import io.fedsllm.net.ClientRadio;
import io.fedsllm.net.RoundChannel;
import io.fedsllm.plan.Plan;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The output of {@code fedsllm plan}: one JSON object, or a readable table. */
public final class PlanReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PlanReport() {}

    /**
     * @param plans  "proposed" first, then the baselines by name
     */
    public static ObjectNode json(long seed, RoundChannel channel, List<ComputeProfile> compute, Map<String, Plan> plans,
            double solveMillis) {
        Plan p = plans.get("proposed");
        ObjectNode o = JSON.createObjectNode();
        o.put("seed", seed);
        o.put("round", channel.round());
        o.put("splitLayer", p.splitLayer());
        o.put("rank", p.rank());
        o.put("totalDelaySeconds", p.totalDelaySeconds());
        o.put("roundDelaySeconds", p.roundDelaySeconds());
        o.put("iterationDelaySeconds", p.breakdown().iterationS());
        o.put("rounds", p.breakdown().rounds());
        o.put("bcdIterations", p.bcdIterations());
        o.put("solveMillis", solveMillis);
        ObjectNode b = o.putObject("breakdown");
        b.put("t1", p.breakdown().t1());
        b.put("t2", p.breakdown().t2());
        b.put("t3", p.breakdown().t3());
        b.put("serverForward", p.breakdown().serverForwardS());
        b.put("serverBackward", p.breakdown().serverBackwardS());
        ArrayNode history = o.putArray("objectiveHistory");
        p.objectiveHistory().forEach(history::add);
        ObjectNode base = o.putObject("baselines");
        for (Map.Entry<String, Plan> e : plans.entrySet()) {
            if (e.getKey().equals("proposed")) {
                continue;
            }
            ObjectNode n = base.putObject(e.getKey());
            n.put("totalDelaySeconds", e.getValue().totalDelaySeconds());
            n.put("splitLayer", e.getValue().splitLayer());
            n.put("rank", e.getValue().rank());
        }
        ArrayNode clients = o.putArray("clients");
        for (int k = 0; k < p.clients().size(); k++) {
            Plan.ClientPlan c = p.clients().get(k);
            ClientRadio r = channel.clients().get(k);
            ObjectNode n = clients.addObject();
            n.put("distanceMainM", r.distanceMainM());
            n.put("distanceFedM", r.distanceFedM());
            n.put("gainMainDb", r.gainMainDb());
            n.put("gainFedDb", r.gainFedDb());
            n.put("cyclesPerSecond", compute.get(k).cyclesPerSecond());
            n.put("flopsPerCycle", compute.get(k).flopsPerCycle());
            n.put("subchannelsMain", c.subchannelsMain().length);
            n.put("subchannelsFed", c.subchannelsFed().length);
            n.put("powerMainW", c.powerMainW());
            n.put("powerFedW", c.powerFedW());
            n.put("rateMainBps", c.rateMainBps());
            n.put("rateFedBps", c.rateFedBps());
            n.put("forwardS", c.delays().forwardS());
            n.put("activationUploadS", c.delays().activationUploadS());
            n.put("backwardS", c.delays().backwardS());
            n.put("loraUploadS", c.delays().loraUploadS());
        }
        return o;
    }

    public static String toJson(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A readable summary: headline, breakdown, baselines, one line per client. */
    public static String table(long seed, RoundChannel channel, List<ComputeProfile> compute, Map<String, Plan> plans,
            double solveMillis) {
        Plan p = plans.get("proposed");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "seed %d, round %d: split layer %d, rank %d, R(r) = %.1f rounds%n", seed,
                channel.round(), p.splitLayer(), p.rank(), p.breakdown().rounds()));
        sb.append(String.format(Locale.ROOT, "total delay %.1f s, round %.2f s, iteration %.3f s (%d BCD iterations, warm solve %.1f ms)%n",
                p.totalDelaySeconds(), p.roundDelaySeconds(), p.breakdown().iterationS(), p.bcdIterations(), solveMillis));
        sb.append(String.format(Locale.ROOT, "T1 %.3f s  T2 %.3f s  T3 %.3f s  server FP %.3f s  server BP %.3f s%n",
                p.breakdown().t1(), p.breakdown().t2(), p.breakdown().t3(), p.breakdown().serverForwardS(),
                p.breakdown().serverBackwardS()));
        sb.append("baselines:");
        for (Map.Entry<String, Plan> e : plans.entrySet()) {
            if (!e.getKey().equals("proposed")) {
                sb.append(String.format(Locale.ROOT, "  %s %.1f s (l=%d r=%d, %+.1f%%)", e.getKey(),
                        e.getValue().totalDelaySeconds(), e.getValue().splitLayer(), e.getValue().rank(),
                        100 * (e.getValue().totalDelaySeconds() / p.totalDelaySeconds() - 1)));
            }
        }
        sb.append(System.lineSeparator());
        sb.append(String.format(Locale.ROOT, "%-3s %9s %9s %9s %9s %7s %6s %6s %8s %8s %8s %8s %8s %8s%n", "k", "dMain m",
                "dFed m", "gMain dB", "gFed dB", "f GHz", "#main", "#fed", "pMain W", "pFed W", "T^F s", "T^A s", "T^B s", "T^M s"));
        for (int k = 0; k < p.clients().size(); k++) {
            Plan.ClientPlan c = p.clients().get(k);
            ClientRadio r = channel.clients().get(k);
            sb.append(String.format(Locale.ROOT, "%-3d %9.1f %9.1f %9.1f %9.1f %7.3f %6d %6d %8.4f %8.4f %8.3f %8.3f %8.3f %8.3f%n",
                    k, r.distanceMainM(), r.distanceFedM(), r.gainMainDb(), r.gainFedDb(),
                    compute.get(k).cyclesPerSecond() / 1e9, c.subchannelsMain().length, c.subchannelsFed().length,
                    c.powerMainW(), c.powerFedW(), c.delays().forwardS(), c.delays().activationUploadS(),
                    c.delays().backwardS(), c.delays().loraUploadS()));
        }
        return sb.toString();
    }
}
