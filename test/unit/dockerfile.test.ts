import * as assert from "assert";
import { baseImages } from "../../lib/dockerfile";

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
