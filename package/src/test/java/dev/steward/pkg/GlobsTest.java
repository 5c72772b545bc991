package dev.steward.pkg;

import dev.steward.api.ValidationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GlobsTest {

    @Test
    void antPatternsAsJenkinsArchiveArtifactsReadsThem() {
        Globs g = Globs.parse("include", "build/libs/*.jar, config/**");
        assertThat(g.matches("build/libs/web.jar")).isTrue();
        assertThat(g.matches("build/libs/sub/web.jar")).isFalse();
        assertThat(g.matches("build/libs/web.jar.sha1")).isFalse();
        assertThat(g.matches("config/app.yml")).isTrue();
        assertThat(g.matches("config/deep/er/app.yml")).isTrue();
        assertThat(g.matches("configs/app.yml")).isFalse();
    }

    @Test
    void doubleStarMatchesAnyDepthIncludingNone() {
        Globs g = Globs.parse("include", "**/*.txt");
        assertThat(g.matches("a.txt")).isTrue();
        assertThat(g.matches("x/y/z/a.txt")).isTrue();
        assertThat(g.matches("a.txt/b")).isFalse();
        Globs mid = Globs.parse("include", "src/**/test/*.java");
        assertThat(mid.matches("src/test/A.java")).isTrue();
        assertThat(mid.matches("src/a/b/test/A.java")).isTrue();
        assertThat(mid.matches("src/a/b/test/x/A.java")).isFalse();
    }

    @Test
    void questionMarkTrailingSlashAndBackslash() {
        assertThat(Globs.parse("i", "log?.txt").matches("log1.txt")).isTrue();
        assertThat(Globs.parse("i", "log?.txt").matches("log12.txt")).isFalse();
        assertThat(Globs.parse("i", "dist/").matches("dist/a/b.js")).isTrue();
        assertThat(Globs.parse("i", "dist\\*.js").matches("dist/a.js")).isTrue();
        assertThat(Globs.parse("i", "./dist/*.js").matches("dist/a.js")).isTrue();
        assertThat(Globs.parse("i", "*.JAR").matches("a.jar")).as("case-sensitive").isFalse();
    }

    @Test
    void defaultExcludesCoverVersionControlTrees() {
        Globs ex = Globs.of("exclude", Globs.DEFAULT_EXCLUDES);
        assertThat(ex.matches(".git/config")).isTrue();
        assertThat(ex.matches("sub/.git/objects/ab/cd")).isTrue();
        assertThat(ex.matches("notes.txt~")).isTrue();
        assertThat(ex.matches("src/.gitignore")).isTrue();
        assertThat(ex.matches("src/main.c")).isFalse();
        assertThat(ex.coversTree(".git")).isTrue();
        assertThat(ex.coversTree("a/b/.svn")).isTrue();
        assertThat(ex.coversTree("src")).isFalse();
    }

    @Test
    void patternsThatLeaveTheBaseAreRefusedNamingTheField() {
        assertThatThrownBy(() -> Globs.parse("include", "../secrets/*")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("include").hasMessageContaining("'..'");
        assertThatThrownBy(() -> Globs.parse("exclude", "/etc/*")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("exclude").hasMessageContaining("absolute");
    }
}
