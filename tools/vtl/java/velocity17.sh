#!/bin/sh
# Runs Render.java on Apache Velocity 1.7 from Debian's packages (velocity,
# libjackson2-databind-java), compiling it on first use. See Render.java.
set -e
here=$(cd "$(dirname "$0")" && pwd)
j=/usr/share/java
cp="$j/velocity.jar:$j/commons-lang.jar:$j/commons-collections3.jar:$j/jackson-databind.jar:$j/jackson-core.jar:$j/jackson-annotations.jar"
classes="$here/.classes"
if [ ! -f "$classes/Render.class" ] || [ "$here/Render.java" -nt "$classes/Render.class" ]; then
	mkdir -p "$classes"
	javac -nowarn -d "$classes" -cp "$cp" "$here/Render.java" >&2
fi
exec java -cp "$classes:$cp" Render
