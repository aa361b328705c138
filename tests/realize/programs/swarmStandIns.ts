// A program for tests/realize/swarmReferences.test.ts: Swarm resources whose service refers to
// the others by their outputs, as the Swarm components do; an auto-named secret and service.
import * as docker from "@pulumi/docker";

const network = new docker.Network("refs-network", { name: "refs-net", driver: "overlay", attachable: true });
const secret = new docker.Secret("refs-password", { data: Buffer.from("s3cret").toString("base64") });
const config = new docker.ServiceConfig("refs-conf", { name: "refs-conf", data: Buffer.from("x\n").toString("base64") });
new docker.Service("refs-service", {
    taskSpec: {
        containerSpec: {
            image: "valkey/valkey:8.0.1-alpine",
            secrets: [{ secretId: secret.id, secretName: secret.name, fileName: "pw" }],
            configs: [{ configId: config.id, configName: config.name, fileName: "/etc/x.conf" }],
        },
        networksAdvanceds: [{ name: network.id }],
    },
});
