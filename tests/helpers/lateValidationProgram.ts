// Declares an OpenWebUI whose redisUrl and server timeout arrive as Outputs, under Pulumi's mocks,
// the way a program would; run in its own process because the failed update ends that process.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI } from "../../components/openWebUI";

async function main(): Promise<void> {
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, imageId: "sha256:x", result: "generatedkey" } }),
            call: (args) => args.inputs,
        },
        "openwebui-valkey",
        "test",
        false,
    );
    const [redisUrl, timeout, image] = process.argv.slice(2);
    const web = new OpenWebUI("late", {
        redisUrl: pulumi.secret(redisUrl),
        networkName: "net",
        redisServerTimeoutSeconds: pulumi.output(Number(timeout)),
        image: image === undefined ? undefined : pulumi.output(image),
    });
    const websocketUrl = await (web.websocketRedisUrl as any).promise();
    process.stdout.write(`websocket ${websocketUrl}\n`);
    const container = await (web.containerName as any).promise();
    process.stdout.write(`container ${container}\n`);
}

main();
