package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** How hub user names become Linux account names: valid, at most 32 characters, never two users on one account. */
class SystemUserTemplateTest {
    /** What every account name must look like (a letter, then a-z 0-9 _ -, 32 at most). */
    private static final Pattern VALID = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private final SystemUserTemplate tljh = SystemUserTemplate.parse("jupyter-{username}");

    @Test
    void aNameThatIsAlreadyValidStaysAsItIs() {
        assertThat(tljh.apply("alice")).isEqualTo("jupyter-alice");
        assertThat(tljh.apply("bob_2-x")).isEqualTo("jupyter-bob_2-x");
        assertThat(tljh.apply("0day")).as("the template's prefix gives the leading letter").isEqualTo("jupyter-0day");
        assertThat(tljh.apply("a".repeat(24))).as("exactly 32 characters").isEqualTo("jupyter-" + "a".repeat(24));
    }

    @Test
    void anEscapedNameGetsTheHashOfTheOriginalName() {
        // sha256("Alice") starts with 3bc51062: printf Alice | sha256sum
        assertThat(tljh.apply("Alice")).isEqualTo("jupyter-alice-3bc51062");
        assertThat(tljh.apply("Alice")).isNotEqualTo(tljh.apply("alice"));
        assertThat(tljh.apply("alice.smith")).matches("jupyter-alice-smith-[0-9a-f]{8}");
        assertThat(tljh.apply("alice.smith")).as("not the name that is valid as it is")
                .isNotEqualTo(tljh.apply("alice-smith")).isNotEqualTo(tljh.apply("alice smith"));
        assertThat(tljh.apply("alice@example.org")).as("escaped, then cut").matches("jupyter-alice-example-o-[0-9a-f]{8}");
        assertThat(tljh.apply("a..b")).as("a run of other characters becomes one -").matches("jupyter-a-b-[0-9a-f]{8}");
        assertThat(tljh.apply("李")).matches("jupyter---[0-9a-f]{8}");
        assertThat(tljh.apply("Ünïcødé")).matches(VALID);
    }

    @Test
    void aNameThatLooksLikeItHasAHashSuffixGetsOneOfItsOwn() {
        String hashed = tljh.apply("Alice"); // jupyter-alice-3bc51062
        String lookalike = hashed.substring("jupyter-".length()); // the user name alice-3bc51062
        assertThat(tljh.apply(lookalike)).isNotEqualTo(hashed).matches("jupyter-alice-3bc51062-[0-9a-f]{8}");
    }

    @Test
    void aLongNameIsCutTo32CharactersAndKeptApartByItsHash() {
        String long1 = "a-very-long-user-name-from-the-directory-1";
        String long2 = "a-very-long-user-name-from-the-directory-2";
        // "jupyter-" (8) + 15 characters of the name + "-" + 8 hex digits = 32
        assertThat(tljh.apply(long1)).hasSize(32).matches("jupyter-a-very-long-use-[0-9a-f]{8}")
                .isNotEqualTo(tljh.apply(long2));
        assertThat(tljh.apply("a".repeat(25))).as("one character over").hasSize(32).matches("jupyter-a{15}-[0-9a-f]{8}");
        assertThat(tljh.apply("x".repeat(255))).hasSize(32).matches(VALID);
    }

    @Test
    void aTemplateWithoutPrefixStillStartsWithALetter() {
        SystemUserTemplate bare = SystemUserTemplate.parse("{username}");
        assertThat(bare.apply("alice")).isEqualTo("alice");
        assertThat(bare.apply("1alice")).matches("u1alice-[0-9a-f]{8}");
        assertThat(bare.apply("_x")).matches("u_x-[0-9a-f]{8}");
        assertThat(bare.apply("-")).matches(VALID);
        assertThat(bare.apply("u1alice")).as("the user whose name is what the prefix made").isEqualTo("u1alice")
                .isNotEqualTo(bare.apply("1alice"));
    }

    @Test
    void aSuffixInTheTemplateStaysAtTheEnd() {
        SystemUserTemplate t = SystemUserTemplate.parse("nb-{username}-srv");
        assertThat(t.apply("alice")).isEqualTo("nb-alice-srv");
        assertThat(t.apply("Alice")).isEqualTo("nb-alice-3bc51062-srv");
        assertThat(t.apply("z".repeat(40))).hasSize(32).endsWith("-srv").matches(VALID);
    }

    @Test
    void noTwoUserNamesShareAnAccountAndEveryNameIsValid() {
        Random random = new Random(42);
        String alphabet = "abcxyz019_-.@ AZé李-";
        Map<String, String> byAccount = new HashMap<>();
        List<SystemUserTemplate> templates = List.of(tljh, SystemUserTemplate.parse("{username}"),
                SystemUserTemplate.parse("hkt0a1b2c-{username}"));
        for (SystemUserTemplate t : templates) {
            byAccount.clear();
            for (int i = 0; i < 20_000; i++) {
                StringBuilder name = new StringBuilder();
                int length = 1 + random.nextInt(random.nextBoolean() ? 6 : 40);
                for (int j = 0; j < length; j++) {
                    name.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                String user = name.toString();
                String account = t.apply(user);
                assertThat(account).as("%s for %s", t, user).matches(VALID);
                String other = byAccount.putIfAbsent(account, user);
                assertThat(other == null || other.equals(user)).as("%s and %s both map to %s", other, user, account).isTrue();
            }
        }
    }

    @Test
    void aBadTemplateIsRefusedSayingWhy() {
        assertThat(SystemUserTemplate.problems("jupyter-{username}")).isEmpty();
        assertThat(SystemUserTemplate.problems(null)).containsExactly("required, e.g. jupyter-{username}");
        assertThat(SystemUserTemplate.problems("jupyter")).singleElement().asString().contains("exactly once");
        assertThat(SystemUserTemplate.problems("{username}-{username}")).singleElement().asString().contains("exactly once");
        assertThat(SystemUserTemplate.problems("Jupyter-{username}")).anySatisfy(p -> assertThat(p).contains("only a-z"));
        assertThat(SystemUserTemplate.problems("jupyter.{username}")).anySatisfy(p -> assertThat(p).contains("only a-z"));
        assertThat(SystemUserTemplate.problems("1-{username}")).anySatisfy(p -> assertThat(p).contains("start with a letter"));
        assertThat(SystemUserTemplate.problems("a".repeat(23) + "{username}")).anySatisfy(p -> assertThat(p)
                .contains("too little room").contains("at most 22"));
        assertThat(SystemUserTemplate.problems("a".repeat(22) + "{username}")).isEmpty();
        assertThatThrownBy(() -> SystemUserTemplate.parse("x")).isInstanceOf(IllegalArgumentException.class);
    }
}
