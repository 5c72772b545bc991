package dev.steward.pkg;

import dev.steward.api.PackageManifest;
import dev.steward.api.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PackageBuilderTest {
    @TempDir
    Path tmp;

    @Test
    void manifestIsTheFirstEntryInCanonicalJson() throws Exception {
        Path w = Files.createDirectories(tmp.resolve("w"));
        Files.writeString(w.resolve("app.sh"), "echo hi");
        Path out = tmp.resolve("p.tar.zst");
        BuiltPackage p = PackageBuilder.from(w).manifest(Trees.manifest()).writeTo(out);
        PackageManifest m = PackageReader.manifest(new ByteArrayInputStream(Files.readAllBytes(out)));
        assertThat(m).isEqualTo(p.manifest());
        assertThat(m.schema()).isEqualTo(1);
        assertThat(m.env()).containsExactly(Map.entry("A", "1"), Map.entry("B", "2"));
        assertThat(m.provenance().gitCommit()).isEqualTo("0123456789abcdef0123456789abcdef01234567");
        String json = new String(ManifestCodec.write(m), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\n  \"schema\" : 1,\n  \"name\" : \"web\",\n  \"version\" : \"1.2.3\",").endsWith("}\n")
                .doesNotContain("null").contains("\"builtAt\" : \"2026-11-27T12:00:00Z\"");
    }

    /**
     * The package is written to {@code TARGET.part} first; a link planted at that name (root
     * packaging into /tmp) is replaced, not written through: its target keeps its bytes.
     */
    @Test
    void aLinkPlantedAtThePartialFileIsNotWrittenThrough() throws Exception {
        Path w = Files.createDirectories(tmp.resolve("w"));
        Files.writeString(w.resolve("app.sh"), "echo hi");
        Path victim = Files.writeString(tmp.resolve("victim"), "keep me");
        Path out = tmp.resolve("p.tar.zst");
        Files.createSymbolicLink(tmp.resolve("p.tar.zst.part"), victim);
        BuiltPackage p = PackageBuilder.from(w).manifest(Trees.manifest()).writeTo(out);
        assertThat(victim).hasContent("keep me");
        assertThat(PackageReader.manifest(new ByteArrayInputStream(Files.readAllBytes(out)))).isEqualTo(p.manifest());
        assertThat(tmp.resolve("p.tar.zst.part")).doesNotExist();
    }

    @Test
    void badManifestFieldsAreRefusedByName() {
        Path w = tmp;
        var good = Trees.manifest();
        assertThatThrownBy(() -> PackageBuilder.from(w).manifest(new PackageManifest(null, "bad name", null, null, null, null, null, null, null))
                .writeTo(tmp.resolve("x"))).isInstanceOf(ValidationException.class).hasMessageStartingWith("manifest.name:");
        assertThatThrownBy(() -> PackageBuilder.from(w).manifest(new PackageManifest(null, "web", null, null, null, List.of("http"),
                new dev.steward.api.HealthCheck("http", "/", "admin", null, null, null, null, null), null, null))
                .writeTo(tmp.resolve("x"))).isInstanceOf(ValidationException.class).hasMessageStartingWith("manifest.healthCheck.port:");
        assertThatThrownBy(() -> PackageBuilder.from(w).manifest(new PackageManifest(null, "web", null, null, null, null, null,
                new dev.steward.api.ResourceAmounts("lots", null, null, null, null), null))
                .writeTo(tmp.resolve("x"))).isInstanceOf(ValidationException.class).hasMessageStartingWith("manifest.resources.cpus:");
        assertThatThrownBy(() -> PackageBuilder.from(w).manifest(new PackageManifest(null, "web", null, null, null, null, null, null,
                new dev.steward.api.Provenance(null, null, null, "not-a-commit", null, "yesterday")))
                .writeTo(tmp.resolve("x"))).isInstanceOf(ValidationException.class).hasMessageStartingWith("manifest.provenance.gitCommit:");
        assertThatThrownBy(() -> PackageBuilder.from(w).writeTo(tmp.resolve("x"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("manifest:");
        assertThat(good.validate()).isNotNull();
    }

    @Test
    void symlinksInsideAreKeptAndOnesPointingOutsideAreRefused() throws Exception {
        Path w = Files.createDirectories(tmp.resolve("w"));
        Trees.sh(w, "mkdir -p lib bin; echo x > lib/a.so; ln -s ../lib/a.so bin/a.so; ln -s lib current");
        List<TreeEntry> entries = PackageBuilder.from(w).entries();
        assertThat(entries).extracting(TreeEntry::path).containsExactly("bin", "bin/a.so", "current", "lib", "lib/a.so");
        assertThat(entries.get(1).kind()).isEqualTo(TreeEntry.Kind.SYMLINK);
        assertThat(entries.get(1).linkTarget()).isEqualTo("../lib/a.so");

        Trees.sh(w, "ln -s /etc/passwd bin/passwd");
        assertThatThrownBy(() -> PackageBuilder.from(w).entries()).isInstanceOf(PackageException.class)
                .hasMessage("bin/passwd: a symlink that points outside the package (-> /etc/passwd): the target is absolute");
        Trees.sh(w, "rm bin/passwd; ln -s ../../outside bin/up");
        assertThatThrownBy(() -> PackageBuilder.from(w).entries()).isInstanceOf(PackageException.class)
                .hasMessageContaining("bin/up").hasMessageContaining("climbs above the package root");
        assertThat(PackageBuilder.from(w).exclude("bin/up").entries()).hasSize(5);
    }

    @Test
    void includesMustMatchAndTheManifestNameIsReserved() throws Exception {
        Path w = Files.createDirectories(tmp.resolve("w"));
        Trees.sh(w, "mkdir -p build/libs .git; echo j > build/libs/web.jar; echo g > .git/HEAD; echo s > steward.json; echo t > notes.txt~");
        assertThatThrownBy(() -> PackageBuilder.from(w).include("build/libs/*.jar, dist/**").entries()).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("include: 'dist/**' matched no file under ");
        assertThatThrownBy(() -> PackageBuilder.from(w).entries()).isInstanceOf(PackageException.class)
                .hasMessageStartingWith("steward.json: the name is reserved for the package manifest");
        assertThat(PackageBuilder.from(w).exclude("steward.json").entries()).extracting(TreeEntry::path)
                .containsExactly("build", "build/libs", "build/libs/web.jar");
        assertThat(PackageBuilder.from(w).exclude("steward.json").defaultExcludes(false).entries()).extracting(TreeEntry::path)
                .contains(".git/HEAD", "notes.txt~");
        assertThatThrownBy(() -> PackageBuilder.from(w).include("build/**").exclude("**/*.jar").entries()).isInstanceOf(ValidationException.class)
                .hasMessageContaining("'build/**' matched no file").hasMessageContaining("excludes: **/*.jar");
    }

    @Test
    void specialFilesAreRefused() throws Exception {
        Path w = Files.createDirectories(tmp.resolve("w"));
        Trees.sh(w, "echo a > a; mkfifo pipe");
        assertThatThrownBy(() -> PackageBuilder.from(w).entries()).isInstanceOf(PackageException.class)
                .hasMessageStartingWith("pipe: not a regular file, directory or symlink");
    }

    @Test
    void aFailedBuildLeavesNoFileBehind() throws Exception {
        Path w = Files.createDirectories(tmp.resolve("w"));
        Trees.sh(w, "echo a > a; ln -s /etc x");
        Path out = tmp.resolve("p.tar.zst");
        assertThatThrownBy(() -> PackageBuilder.from(w).manifest(Trees.manifest()).writeTo(out)).isInstanceOf(PackageException.class);
        assertThat(Files.exists(out)).isFalse();
        assertThat(Files.exists(tmp.resolve("p.tar.zst.part"))).isFalse();
    }
}
