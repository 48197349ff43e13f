import * as assert from "assert";
import { baseImages, contextSources } from "../../lib/dockerfile";

describe("Dockerfile base images", () => {
    it("lists FROM images once, skipping stages, scratch and ARG-built references", () => {
        const text = [
            "# syntax=docker/dockerfile:1",
            "ARG BASE=debian:13",
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build",
            "RUN go build ./...",
            "from build as test",
            "FROM ${BASE}",
            "FROM scratch",
            "FROM \\",
            "    busybox:1.37",
            "COPY --from=build /out /",
            "FROM golang:1.22",
        ].join("\n");
        assert.deepStrictEqual(baseImages(text), ["golang:1.22", "busybox:1.37"]);
    });
});

describe("Dockerfile context sources", () => {
    it("lists COPY and ADD sources of every stage, in shell and JSON form, without flags or the destination", () => {
        const text = [
            "FROM busybox:1.37 AS build",
            "COPY --chown=1:1 ./backend/www/ /www",
            "ADD [\"config/*.json\", \"extra dir/x\", \"/etc/app/\"]",
            "COPY --from=build /out /out",
            "ADD https://example.invalid/archive.tgz /tmp/",
            "COPY <<EOF /etc/motd",
            "RUN --mount=type=cache,target=/root/.cache make",
            "FROM busybox:1.37",
            "COPY package.json \\",
            "     yarn.lock /app/",
        ].join("\n");
        assert.deepStrictEqual(contextSources(text), ["backend/www", "config/*.json", "extra dir/x", "package.json", "yarn.lock"]);
    });

    it("gives up (the whole context counts) when the reads cannot be told", () => {
        assert.strictEqual(contextSources("FROM busybox:1.37\nCOPY . /app\n"), undefined, "the context root");
        assert.strictEqual(contextSources("FROM busybox:1.37\nARG DIR=src\nCOPY $DIR /app\n"), undefined, "a variable source");
        assert.strictEqual(contextSources("FROM busybox:1.37\nRUN --mount=target=/src make\n"), undefined, "a RUN bind mount of the context (type defaults to bind)");
        assert.strictEqual(contextSources("FROM busybox:1.37\nRUN --mount=type=bind,source=go.sum,target=/go.sum go mod download\n"), undefined);
        assert.strictEqual(contextSources("# escape=`\nFROM busybox:1.37\nCOPY a /a\n"), undefined, "a custom escape character");
    });

    it("does not count a RUN bind mount from another stage or image", () => {
        assert.deepStrictEqual(contextSources("FROM busybox:1.37\nRUN --mount=type=bind,from=build,target=/out true\nCOPY a /a\n"), ["a"]);
    });
});
