package io.vigie.tools.release;

/** A stage's name and description, held once (every stage has both, the rest differs). */
abstract class NamedStage implements Stage {
    private final String name, description;

    NamedStage(String name, String description) {
        this.name = name;
        this.description = description;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }
}
