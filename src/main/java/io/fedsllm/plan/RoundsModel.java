package io.fedsllm.plan;

import io.fedsllm.config.PlannerSettings;
import java.util.Map;
import java.util.TreeMap;

/** R(r): global rounds needed to reach the target loss with LoRA rank r (SYSTEM_MODEL §5). */
@FunctionalInterface
public interface RoundsModel {

    double rounds(int rank);

    /** R(r) = R_inf (1 + a / r). */
    static RoundsModel parametric(double roundsInf, double a) {
        if (!(roundsInf > 0) || !(a >= 0)) {
            throw new IllegalArgumentException("parametric R(r) needs R_inf > 0 and a >= 0, got " + roundsInf + ", " + a);
        }
        return rank -> roundsInf * (1 + a / rank);
    }

    /** A table rank → rounds (e.g. measured offline); ranks outside the table are a program error. */
    static RoundsModel table(Map<Integer, Double> table) {
        Map<Integer, Double> copy = new TreeMap<>(table);
        return rank -> {
            Double r = copy.get(rank);
            if (r == null) {
                throw new IllegalArgumentException("rank " + rank + " is not in the R(r) table " + copy.keySet());
            }
            return r;
        };
    }

    static RoundsModel from(PlannerSettings s) {
        return s.roundsModel().equals(PlannerSettings.TABLE) ? table(s.roundsTable()) : parametric(s.roundsInf(), s.roundsA());
    }
}
