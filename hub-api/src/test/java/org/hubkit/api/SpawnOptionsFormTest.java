package org.hubkit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hubkit.api.SpawnOptionsForm.Choice;
import org.hubkit.api.SpawnOptionsForm.Field;
import org.junit.jupiter.api.Test;

class SpawnOptionsFormTest {
    private static final SpawnOptionsForm FORM = new SpawnOptionsForm(List.of(
            new Field("image", "Image", List.of(Choice.of("python"), new Choice("gpu", "GPU image", "", Set.of("gpu-users"))), "gpu"),
            new Field("memLimit", "Memory", List.of(Choice.of("2G"), new Choice("64G", "64 GB", "", Set.of("big"))), null)));

    private static UserInfo user(String... groups) {
        return new UserInfo("alice", false, Set.of(groups), Map.of());
    }

    @Test
    void aUserSeesOnlyTheChoicesOfTheirGroupsAndTheDefaultFallsBackToTheirFirstChoice() {
        SpawnOptionsForm mine = FORM.forUser(user());
        assertThat(mine.fields()).extracting(Field::name).containsExactly("image", "memLimit");
        assertThat(mine.fields().get(0).choices()).extracting(Choice::value).containsExactly("python");
        assertThat(mine.fields().get(0).effectiveDefault()).isEqualTo("python");
        assertThat(FORM.forUser(user("gpu-users")).fields().get(0).effectiveDefault()).isEqualTo("gpu");
    }

    @Test
    void aFieldWithNoChoiceLeftForTheUserIsLeftOut() {
        SpawnOptionsForm form = new SpawnOptionsForm(List.of(
                new Field("gpus", "GPUs", List.of(new Choice("1", "one", "", Set.of("gpu-users"))), null)));
        assertThat(form.forUser(user()).isEmpty()).isTrue();
        assertThat(form.forUser(user()).resolve(Map.of())).isEmpty();
        assertThatThrownBy(() -> form.forUser(user()).resolve(Map.of("gpus", "1")))
                .isInstanceOf(InvalidOptionsException.class).hasMessageContaining("Unknown spawn option 'gpus'");
    }

    @Test
    void resolveFillsDefaultsAndAcceptsTheFormsOneElementLists() {
        SpawnOptionsForm mine = FORM.forUser(user("big"));
        assertThat(mine.resolve(null)).containsExactly(Map.entry("image", "python"), Map.entry("memLimit", "2G"));
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("image", null);
        withNull.put("memLimit", List.of("64G"));
        assertThat(mine.resolve(withNull)).containsExactly(Map.entry("image", "python"), Map.entry("memLimit", "64G"));
    }

    @Test
    void aChoiceNotOfferedIsRefusedNamingTheField() {
        SpawnOptionsForm mine = FORM.forUser(user());
        for (Object forged : List.of("gpu", "python:latest", "", "evil\nline", 7, List.of(), List.of("python", "gpu"),
                Map.of("image", "python"))) {
            Map<String, Object> answer = new HashMap<>();
            answer.put("image", forged);
            assertThatThrownBy(() -> mine.resolve(answer)).as("%s", forged)
                    .isInstanceOfSatisfying(InvalidOptionsException.class, e -> assertThat(e.field()).isEqualTo("image"))
                    .hasMessageContaining("'image'").hasMessageNotContaining("\n");
        }
        assertThatThrownBy(() -> mine.resolve(Map.of("memLimit", "x".repeat(10_000))))
                .hasMessageContaining("...").satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
    }

    @Test
    void malformedFormsAreRefusedWhenBuilt() {
        assertThatThrownBy(() -> new Field("bad name", "x", List.of(Choice.of("a")), null)).hasMessageContaining("bad name");
        assertThatThrownBy(() -> new Field("f", "x", List.of(), null)).hasMessageContaining("no choices");
        assertThatThrownBy(() -> new Field("f", "x", List.of(Choice.of("a"), Choice.of("a")), null)).hasMessageContaining("twice");
        assertThatThrownBy(() -> new Field("f", "x", List.of(Choice.of("a")), "b")).hasMessageContaining("default 'b'");
        Field f = new Field("f", "x", List.of(Choice.of("a")), null);
        assertThatThrownBy(() -> new SpawnOptionsForm(Arrays.asList(f, f))).hasMessageContaining("twice");
        assertThatThrownBy(() -> Choice.of(" ")).hasMessageContaining("value");
    }
}
