package dev.steward.cli;

import dev.steward.api.Validation;
import dev.steward.api.ValidationException;
import picocli.CommandLine;

/**
 * An app or environment name on the command line, checked before any request with the API's
 * own rule, so a bad one is a usage error that states the rule (never a path the server sees).
 */
final class Name implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
        try {
            return Validation.name("name", value);
        } catch (ValidationException e) {
            throw new CommandLine.TypeConversionException(e.getMessage().replaceFirst("^name: ", ""));
        }
    }
}
