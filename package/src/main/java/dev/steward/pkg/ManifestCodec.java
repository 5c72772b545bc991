package dev.steward.pkg;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.steward.api.PackageManifest;
import dev.steward.api.ValidationException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The manifest's bytes: canonical JSON (fields in declaration order, map keys sorted, nulls
 * left out, two-space indent, {@code \n} line ends), so equal manifests give equal bytes.
 */
public final class ManifestCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    private ManifestCodec() {
    }

    public static byte[] write(PackageManifest m) {
        try {
            String s = MAPPER.writer(PRETTY).writeValueAsString(m) + "\n";
            return s.getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads and validates a manifest; a bad one is refused naming the field. */
    public static PackageManifest read(byte[] json) throws PackageException {
        try {
            return MAPPER.readValue(json, PackageManifest.class).validate();
        } catch (UnrecognizedPropertyException e) {
            throw new PackageException(PackageManifest.FILE_NAME, "unknown field '" + e.getPropertyName() + "'");
        } catch (ValidationException e) {
            throw new PackageException(PackageManifest.FILE_NAME, e.getMessage());
        } catch (IOException e) {
            String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new PackageException(PackageManifest.FILE_NAME, "not valid JSON: " + m);
        }
    }
}
