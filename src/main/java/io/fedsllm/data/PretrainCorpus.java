package io.fedsllm.data;

import io.fedsllm.config.MemoryBudget;
import io.fedsllm.config.PretrainSettings;
import io.fedsllm.config.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A generated English corpus for pre-training the tiny byte-level model: short documents about the weather,
 * travel, animals, towns, daily life and eating out, from a seeded phrase grammar (templates whose
 * {@code {symbols}} expand recursively). It gives the model English spelling, word order, capitals and punctuation
 * (commas, questions, exclamations, quotes, apostrophes, numbers, times, prices), the everyday words a restaurant
 * description uses (as web text gives GPT-2 its vocabulary) and names that recur within a document (a main
 * character per document), while staying off the fine-tuning task itself: no MR syntax ({@code slot[value]},
 * {@code ||}) and none of the E2E venue names or landmarks, which fine-tuning must learn to copy from the MR.
 * Document i comes from the stream {@code (seed, "pretrain-doc", i)}, so the corpus is the same for the same
 * seed whatever the number of documents asked for.
 */
public final class PretrainCorpus {
    private PretrainCorpus() {}

    /**
     * Version of the grammar below: part of the pre-trained base's cache key, so a cached base built from another
     * grammar is rebuilt. Bump it with every change to the grammar or to how documents are drawn.
     */
    public static final int GRAMMAR_VERSION = 3;

    /** The topics; each document keeps to one (plus general sentences). */
    public static final List<String> TOPICS = List.of("weather", "travel", "animals", "towns", "daily", "eating");

    private static final int MAX_DEPTH = 8;

    /**
     * Heap per sentence of a document, text and String overhead together (measured with the defaults: 254 bytes per
     * document of 2..6 sentences), for rejecting sizes that cannot fit before generating anything.
     */
    static final int BYTES_PER_SENTENCE = 64;

    /** The documents of the configured corpus. */
    public static List<String> documents(PretrainSettings s, long seed) {
        double sentences = (s.sentencesMin() + (double) s.sentencesMax()) / 2;
        MemoryBudget.require(s.documents() * sentences * BYTES_PER_SENTENCE, "data.pretrain.documents = " + s.documents()
                + " of " + s.sentencesMin() + ".." + s.sentencesMax() + " sentences (about " + BYTES_PER_SENTENCE
                + " bytes per sentence)");
        List<String> docs = new ArrayList<>(s.documents());
        for (int i = 0; i < s.documents(); i++) {
            docs.add(document(seed, i, s.sentencesMin(), s.sentencesMax()));
        }
        return docs;
    }

    /** Document i: a topic, then sentencesMin..sentencesMax sentences (about 1 in 5 general). */
    public static String document(long seed, int i, int sentencesMin, int sentencesMax) {
        SplittableRandom rnd = Seeds.random(seed, "pretrain-doc", i);
        String topic = SyntheticE2e.pick(TOPICS, rnd);
        int n = sentencesMin + rnd.nextInt(sentencesMax - sentencesMin + 1);
        Context ctx = new Context(SyntheticE2e.pick(GRAMMAR.get("name"), rnd));
        StringBuilder doc = new StringBuilder();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (int k = 0; k < n; k++) {
            String symbol = rnd.nextInt(5) == 0 ? "general" : topic;
            if (k > 0) {
                doc.append(' ');
            }
            // A sentence pattern is used at most once per document while unused ones remain.
            List<String> fresh = GRAMMAR.get(symbol).stream().filter(t -> !used.contains(t)).toList();
            String pattern = SyntheticE2e.pick(fresh.isEmpty() ? GRAMMAR.get(symbol) : fresh, rnd);
            used.add(pattern);
            String sentence = expand(pattern, ctx, rnd, 0);
            doc.append(Character.toUpperCase(sentence.charAt(0))).append(sentence, 1, sentence.length());
        }
        return doc.toString();
    }

    /**
     * What a document remembers while it is written: its main character (a third of the people mentioned, and
     * half of the names, are this person) and the values bound by {@code {symbol=var}} for later {@code {=var}}.
     * Both make strings recur within a document, so the base learns to repeat what it has seen earlier in its
     * context: the copying that data-to-text fine-tuning needs (a venue name in the MR, again in the text).
     */
    private static final class Context {
        final String hero;
        final Map<String, String> bound = new java.util.HashMap<>();

        Context(String hero) {
            this.hero = hero;
        }
    }

    private static String expand(String template, Context ctx, SplittableRandom rnd, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("grammar recursion too deep at " + template);
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{') {
                int end = template.indexOf('}', i);
                String ref = template.substring(i + 1, end);
                i = end + 1;
                int eq = ref.indexOf('=');
                if (eq == 0) { // {=var}: the value bound earlier in this document
                    String value = ctx.bound.get(ref.substring(1));
                    if (value == null) {
                        throw new IllegalStateException("grammar variable " + ref.substring(1) + " used before {symbol=" + ref.substring(1) + "}");
                    }
                    out.append(value);
                    continue;
                }
                String symbol = eq < 0 ? ref : ref.substring(0, eq);
                List<String> options = GRAMMAR.get(symbol);
                if (options == null) {
                    throw new IllegalStateException("unknown grammar symbol {" + symbol + "}");
                }
                boolean heroHere = symbol.equals("name") ? rnd.nextBoolean() : symbol.equals("person") && rnd.nextInt(3) == 0;
                String value = heroHere ? ctx.hero : expand(SyntheticE2e.pick(options, rnd), ctx, rnd, depth + 1);
                if (eq > 0) {
                    ctx.bound.put(ref.substring(eq + 1), value);
                }
                out.append(value);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    // ---- the grammar -------------------------------------------------------------------------------------------

    private static final Map<String, List<String>> GRAMMAR = Map.ofEntries(
            // sentences by topic
            Map.entry("weather", List.of(
                    "{when}, the sky was {skyAdj} and the wind was {windAdj}.",
                    "it {weatherPast} all {partOfDay}, so {person} {stayedIn}.",
                    "by {clock}, the {cloudThing} had cleared and the {landscape} was bright again.",
                    "the forecast says it will be {weatherAdj} on {day}.",
                    "{precip} fell on the {landscape} for {smallNumber} hours.",
                    "is it going to {weatherVerb} again tomorrow?",
                    "what a {weatherAdj} day it was!",
                    "{person} looked at the clouds and said, \"{weatherQuote}\"",
                    "in {month}, the nights are {nightAdj} and the mornings are {morningAdj}.",
                    "a {windAdj} wind blew across the {landscape}, and the {treePlural} bent low.",
                    "after the {storm}, the roads were covered in {debris}.",
                    "the temperature dropped to {smallNumber} degrees before {clock}.",
                    "in {town=t} it was {weatherAdj=w}; the people of {=t} are used to {=w} days.")),
            Map.entry("travel", List.of(
                    "{person} took the {transport} to {town} on {day}.",
                    "the journey to {town} took {smallNumber} hours, but it felt much longer.",
                    "we missed the last {transport} and had to wait until {clock}.",
                    "from the window, {person} could see {landscapePlural} and {landscapePlural}.",
                    "{person} packed a {bag} with {item}, {item} and {item}.",
                    "the {transport} was late again, so {person} read a book.",
                    "how far is it from {town} to {town}?",
                    "{person} asked the driver, \"{travelQuote}\"",
                    "they crossed the {bridgeThing} and followed the road north.",
                    "at the station, {person} bought a ticket to {town}.",
                    "it's a long walk over the {landscape}, but the view is worth it.",
                    "{person} has visited {town} {smallNumber} times, and {pronoun} still gets lost.",
                    "{person=p} took the {transport} to {town=t}, and in {=t} {=p} visited the {building}.",
                    "the {transport=m} to {town=t} was full, so {person} waited for the next {=m} to {=t}.")),
            Map.entry("animals", List.of(
                    "{animalPlural} {animalHabit}.",
                    "a {animal} was sleeping under the {shelter}.",
                    "the {animal} chased the {animal} across the {landscape}.",
                    "{person}'s dog is called {petName}, and it loves the {landscape}.",
                    "in winter, many birds fly south, but the {bird} stays.",
                    "have you ever seen a {animal} in the {wild}?",
                    "the {bird} built its nest in the old {treeSingular}.",
                    "{person} counted {smallNumber} {animalPlural} in the field.",
                    "quietly, the {animal} crept towards the {waterThing}.",
                    "look, there's a {animal} on the {shelter}!",
                    "every {partOfDay}, {person} feeds the {animalPlural} on the farm.",
                    "{person=p}'s dog is called {petName=d}; {=d} follows {=p} everywhere.")),
            Map.entry("towns", List.of(
                    "{town} is a small town {townPlace}.",
                    "it has a {building}, a {building} and {smallNumber} schools.",
                    "the market in {town} opens every {day}.",
                    "about {bigNumber} people live in {town}.",
                    "the old {building} was built in {year} and still stands today.",
                    "the streets of {town} are {streetAdj}.",
                    "on the main square, there is a {monument}.",
                    "{person} grew up in {town}, near the {building}.",
                    "is there a {building} in {town}?",
                    "the town council met on {day} to talk about the new {building}.",
                    "in {year}, a great fire destroyed half of {town}.",
                    "{town=t} is {townPlace=w}; if you want a quiet town {=w}, {=t} is the place.",
                    "{person=p} grew up in {town=t}, and {=p} still calls {=t} home.")),
            Map.entry("daily", List.of(
                    "{person} woke up at {clock} and {morningAct}.",
                    "after work, {person} {eveningAct}.",
                    "on {day}s, {person} goes to the {dailyPlace}.",
                    "{person} forgot {possessive} keys again!",
                    "don't forget to {chore} before you leave.",
                    "{person} said, \"{dailyQuote}\"",
                    "the children played in the garden until {clock}.",
                    "{person} wrote a letter to {person} and posted it on {day}.",
                    "it was a quiet {partOfDay}, and {person} {quietAct}.",
                    "why is the {householdThing} always broken?",
                    "first {person} {chorePast}, then {pronoun} {chorePast}.",
                    "at {clock}, {person} phoned {person} to ask about the {event}.",
                    "{person=p} wrote a note: \"{dailyQuote}\" and signed it {=p}.")),
            Map.entry("eating", List.of(
                    "{person} had {meal} at a {venueKind} {venueWhere}.",
                    "the {venueKind} on {street} serves {cuisine} food, and it is {priceWord}.",
                    "we ate {cuisine} food in {town} on {day}, and the bill was {priceAmount}.",
                    "{venueName} is a {venueKind} {venueWhere}; {person} goes there every {day}.",
                    "at {venueName}, a cup of coffee costs {priceAmount}.",
                    "the guide gives {venueName} {score} out of 5, but {person} thinks it deserves more.",
                    "is {venueName} a good place for children?",
                    "{person} said, \"{eatingQuote}\"",
                    "{venueName} is {familyWords}, so {person} took the whole family.",
                    "{venueName} is {adultWords}, so {person} left the children at home.",
                    "the reviews of {venueName} are {ratingWord}, and prices are {priceWord}.",
                    "{person} met {person} for {meal} near the {building} in the city centre.",
                    "by the riverside there is a {priceWord} {venueKind} called {venueName}.",
                    "my {relative} prefers {cuisine} food to {cuisine} food.",
                    "{venueName}, near the {building}, is rated {ratingWord} by its guests.",
                    "{venueName=v} serves {cuisine=c} food; if you like {=c} food, try {=v}.",
                    "{venueName=v} is a {venueKind=k} {venueWhere=w}. {=v} is the only {=k} {=w}.",
                    "{person=p} booked a table at {venueName=v} for {meal}; {=p} says {=v} is {priceWord}.",
                    "near {venueName=v} there is a {venueKind} called {venueName=u}, but {=v} is better than {=u}.")),
            Map.entry("general", List.of(
                    "{person} smiled.",
                    "nobody knew what to say.",
                    "it was {year}, and everything was about to change.",
                    "{person} thought about it for a long time.",
                    "\"{generalQuote},\" said {person}.",
                    "later that {partOfDay}, {person} went home.",
                    "there were {smallNumber} letters on the table.",
                    "yes, it's true: {person} never told anyone.")),

            // people and pronouns
            Map.entry("person", List.of("{name}", "{name}", "{name}", "my {relative}", "our {relative}",
                    "the {job}", "a young {job}", "the old {job}")),
            Map.entry("name", List.of("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Harry", "Isla",
                    "Jack", "Kate", "Leo", "Maya", "Noah", "Olivia", "Peter", "Ruth", "Sam", "Tom", "Zoe", "Oscar",
                    "Lucy", "Henry", "Alice", "Mr Brown", "Mrs Green", "Dr Hill")),
            Map.entry("relative", List.of("sister", "brother", "neighbour", "grandmother", "grandfather", "aunt",
                    "uncle", "cousin", "friend")),
            Map.entry("job", List.of("farmer", "teacher", "doctor", "postman", "baker", "driver", "nurse", "painter",
                    "fisherman", "librarian")),
            Map.entry("pronoun", List.of("she", "he")),
            Map.entry("possessive", List.of("her", "his")),
            Map.entry("petName", List.of("Max", "Bella", "Rex", "Daisy", "Buster", "Molly", "Pip")),


            // eating out (ordinary prose; venue names are disjoint from the E2E names and landmarks)
            Map.entry("meal", List.of("breakfast", "lunch", "dinner", "supper", "a quick snack", "tea and cake")),
            Map.entry("venueKind", List.of("restaurant", "pub", "coffee shop", "cafe", "tea room", "bistro",
                    "inn", "fast food place")),
            Map.entry("venueWhere", List.of("in the city centre", "by the riverside", "near the station",
                    "in {town}", "on the main square", "at the edge of town")),
            Map.entry("street", List.of("Mill Lane", "High Street", "Church Road", "Station Road", "Bridge Street",
                    "Market Street")),
            Map.entry("cuisine", List.of("English", "Italian", "French", "Chinese", "Indian", "Japanese", "Thai",
                    "Greek", "Spanish", "Mexican", "fast")),
            Map.entry("priceWord", List.of("cheap", "expensive", "moderately priced", "low-priced", "high-priced",
                    "affordable", "reasonably priced")),
            Map.entry("priceAmount", List.of("less than £5", "about £12", "more than £30", "£20-25", "£8",
                    "over £40 for two", "less than £20")),
            Map.entry("score", List.of("1", "2", "3", "4", "5")),
            Map.entry("ratingWord", List.of("low", "average", "high", "excellent", "poor", "mixed")),
            Map.entry("familyWords", List.of("family friendly", "kid friendly", "child friendly",
                    "welcoming to families", "good for children")),
            Map.entry("adultWords", List.of("not family friendly", "not kid friendly", "for adults only",
                    "not a place for children")),
            Map.entry("venueName", List.of("The Red Lion", "The Swan", "Rosa's Kitchen", "The Copper Kettle",
                    "Bella Napoli", "The Lantern", "Jade Garden", "The Old Bakehouse", "Sakura", "The Fox and Hounds",
                    "Little Paris", "The Brown Cow", "Spice Route", "The Tea Pot", "Harbour Grill")),
            Map.entry("eatingQuote", List.of("The soup is cold again!", "Shall we get a table by the window?",
                    "I'll have the fish, please.", "Can we see the menu?", "That was the best meal I've had in years.")),

            // time
            Map.entry("when", List.of("on {day} morning", "yesterday", "last {day}", "early in the morning",
                    "in the afternoon", "that evening", "in {month}")),
            Map.entry("day", List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")),
            Map.entry("month", List.of("January", "February", "March", "April", "May", "June", "July", "August",
                    "September", "October", "November", "December")),
            Map.entry("partOfDay", List.of("morning", "afternoon", "evening", "night", "day")),
            Map.entry("clock", List.of("{hour} o'clock", "half past {hour}", "{hour}:15", "{hour}:30", "{hour}:45",
                    "noon", "midnight")),
            Map.entry("hour", List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")),
            Map.entry("year", List.of("1848", "1905", "1923", "1951", "1967", "1979", "1984", "1999", "2003", "2012")),
            Map.entry("smallNumber", List.of("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                    "12", "15", "20")),
            Map.entry("bigNumber", List.of("2,000", "3,500", "8,000", "12,000", "40,000", "five thousand")),

            // weather
            Map.entry("skyAdj", List.of("grey", "clear", "dark", "pale blue", "heavy with clouds", "bright")),
            Map.entry("windAdj", List.of("cold", "warm", "strong", "gentle", "bitter", "fresh")),
            Map.entry("weatherAdj", List.of("sunny", "rainy", "windy", "cloudy", "foggy", "stormy", "cold", "warm",
                    "frosty", "hot")),
            Map.entry("weatherPast", List.of("rained", "snowed", "poured", "drizzled", "hailed")),
            Map.entry("weatherVerb", List.of("rain", "snow", "freeze", "thunder")),
            Map.entry("stayedIn", List.of("stayed inside", "read by the fire", "watched the rain",
                    "played cards with {person}", "baked bread")),
            Map.entry("cloudThing", List.of("fog", "mist", "rain", "snow", "storm")),
            Map.entry("precip", List.of("rain", "snow", "hail", "light rain", "heavy snow")),
            Map.entry("storm", List.of("storm", "gale", "flood", "thunderstorm")),
            Map.entry("debris", List.of("leaves", "branches", "mud", "water", "broken glass")),
            Map.entry("nightAdj", List.of("long", "short", "cold", "warm", "quiet")),
            Map.entry("morningAdj", List.of("dark", "bright", "misty", "frosty", "fresh")),
            Map.entry("weatherQuote", List.of("I think it will rain.", "We should go home before the storm.",
                    "Look at that sky!", "It's too cold for a walk.", "What lovely weather!")),

            // places and landscape
            Map.entry("landscape", List.of("hills", "valley", "fields", "moor", "coast", "forest", "meadow",
                    "mountains", "beach", "lake")),
            Map.entry("landscapePlural", List.of("green hills", "tall trees", "old farms", "quiet villages",
                    "white cliffs", "empty beaches", "wide rivers")),
            Map.entry("town", List.of("Ashford", "Bramley", "Castlebury", "Dunmore", "Elmwood", "Fairhaven",
                    "Glenrock", "Hollowell", "Kingsbridge", "Larkfield", "Millbrook", "Northam", "Oakridge",
                    "Pendle", "Redcliffe", "Stonehurst", "Thornbury", "Westfield")),
            Map.entry("townPlace", List.of("in the north", "on the coast", "in the hills", "at the edge of the forest",
                    "by a lake", "on an old trade road")),
            Map.entry("building", List.of("library", "church", "museum", "post office", "train station",
                    "hospital", "town hall", "bakery", "bridge", "castle", "harbour", "market hall")),
            Map.entry("monument", List.of("fountain", "statue of a horse", "clock tower", "stone cross",
                    "war memorial")),
            Map.entry("streetAdj", List.of("narrow and steep", "quiet and clean", "busy and noisy", "wide and clean",
                    "crooked and dark", "old and narrow")),
            Map.entry("transport", List.of("train", "bus", "ferry", "plane", "coach", "night train", "boat")),
            Map.entry("bag", List.of("small bag", "suitcase", "rucksack", "basket")),
            Map.entry("item", List.of("a map", "two books", "warm socks", "a camera", "an umbrella", "a torch",
                    "some letters", "a blanket")),
            Map.entry("bridgeThing", List.of("bridge", "river", "border", "pass", "old stone bridge")),
            Map.entry("travelQuote", List.of("How long until we arrive?", "Is this the road to {town}?",
                    "Can you stop here, please?", "Which way is the station?")),

            // animals
            Map.entry("animal", List.of("fox", "cat", "dog", "rabbit", "horse", "cow", "sheep", "deer", "mouse",
                    "badger", "hare")),
            Map.entry("animalPlural", List.of("foxes", "owls", "rabbits", "horses", "cows", "sheep", "deer", "bees",
                    "frogs", "swallows", "hedgehogs")),
            Map.entry("animalHabit", List.of("sleep during the day", "hunt at night", "live in large groups",
                    "eat grass and leaves", "can swim very well", "are afraid of loud noises", "travel long distances",
                    "dig deep holes")),
            Map.entry("bird", List.of("robin", "owl", "crow", "blackbird", "sparrow", "heron")),
            Map.entry("shelter", List.of("table", "hedge", "old cart", "garden wall", "barn door", "bench")),
            Map.entry("wild", List.of("wild", "woods", "snow", "dark")),
            Map.entry("treeSingular", List.of("oak", "willow", "apple tree", "pine", "beech")),
            Map.entry("treePlural", List.of("trees", "oaks", "willows", "pines", "birches")),
            Map.entry("waterThing", List.of("pond", "stream", "lake", "well")),

            // daily life
            Map.entry("morningAct", List.of("made a cup of tea", "went for a run", "opened the curtains",
                    "fed the cat", "read the newspaper", "listened to the radio")),
            Map.entry("eveningAct", List.of("walks along the {landscape}", "plays the piano", "reads a novel",
                    "calls {person}", "works in the garden", "writes in a diary")),
            Map.entry("dailyPlace", List.of("market", "library", "swimming pool", "park", "post office", "station")),
            Map.entry("chore", List.of("lock the door", "water the plants", "close the windows", "feed the dog",
                    "turn off the lights")),
            Map.entry("chorePast", List.of("washed the dishes", "swept the floor", "fixed the fence",
                    "cleaned the windows", "hung out the washing", "mended a chair")),
            Map.entry("quietAct", List.of("read a book", "painted a picture", "fell asleep on the sofa",
                    "sorted old photographs", "knitted a scarf")),
            Map.entry("householdThing", List.of("kettle", "door", "radio", "gate", "clock", "tap")),
            Map.entry("event", List.of("party", "meeting", "wedding", "school play", "football match", "concert")),
            Map.entry("dailyQuote", List.of("I'll be back by {clock}.", "Have you seen my glasses?",
                    "Let's go for a walk.", "Who left the door open?", "It's my turn to cook.")),
            Map.entry("generalQuote", List.of("I knew it", "Wait for me", "That's not fair", "Come and see",
                    "We'll see")));
}
