using System.CommandLine;
using System.Text;
using OrleansRep.Cli.Output;
using OrleansRep.Client;
using OrleansRep.Replication;

namespace OrleansRep.Cli.Cluster;

/// <summary>
/// The data commands on a running cluster: <c>put KEY VALUE [--durability]</c>, <c>get KEY [--consistency]</c>,
/// <c>del KEY</c>, <c>scan [--prefix P] [--from A --to B] [--limit N]</c>. Keys and values are given as UTF-8 text and
/// printed escaped as the shell does (printable ASCII as is, other bytes as \xhh). A write prints its commit token,
/// which <c>get --consistency atleast:TOKEN</c> takes back. <c>get</c> of a missing key prints nothing and exits 1.
/// </summary>
internal static class ClusterCommands
{
    public static IEnumerable<Command> Create() => [Put(), Get(), Del(), Scan()];

    public static async Task<int> PutAsync(OrleansRepClient client, TextWriter output, string key, string value, AckPolicy durability, CancellationToken cancellationToken)
    {
        WriteToken(output, await client.PutAsync(Bytes(key), Bytes(value), new WriteOptions(durability), cancellationToken).ConfigureAwait(false));
        return ExitCodes.Success;
    }

    public static async Task<int> GetAsync(OrleansRepClient client, TextWriter output, TextWriter error, string key, ReadOptions read, CancellationToken cancellationToken)
    {
        if (await client.GetAsync(Bytes(key), read, cancellationToken).ConfigureAwait(false) is not { } value)
        {
            error.WriteLine($"orep: {key}: not found");
            return ExitCodes.Failure;
        }

        output.Write(ByteText.Escaped(value) + "\n");
        return ExitCodes.Success;
    }

    public static async Task<int> DelAsync(OrleansRepClient client, TextWriter output, string key, AckPolicy durability, CancellationToken cancellationToken)
    {
        WriteToken(output, await client.DeleteAsync(Bytes(key), new WriteOptions(durability), cancellationToken).ConfigureAwait(false));
        return ExitCodes.Success;
    }

    public static async Task<int> ScanAsync(OrleansRepClient client, TextWriter output, string? prefix, string? from, string? to, int limit, ReadOptions read, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var (key, value) in client.ScanAsync(Optional(from), Optional(to), Optional(prefix), read, cancellationToken).ConfigureAwait(false))
        {
            if (count++ == limit)
            {
                break;
            }

            output.Write(ByteText.Escaped(key) + "\t" + ByteText.Escaped(value) + "\n");
        }

        return ExitCodes.Success;
    }

    private static Command Put()
    {
        var key = new Argument<string>("KEY");
        var value = new Argument<string>("VALUE");
        var durability = Durability();
        var command = new Command("put", "write VALUE under KEY on the cluster; prints the commit token") { key, value, durability };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await PutAsync(client, Console.Out, parse.GetRequiredValue(key), parse.GetRequiredValue(value), parse.GetValue(durability), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Get()
    {
        var key = new Argument<string>("KEY");
        var consistency = Consistency();
        var command = new Command("get", "print KEY's value from the cluster (exit 1 if absent)") { key, consistency };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var read = ReadOptionsText.Parse(parse.GetValue(consistency));
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await GetAsync(client, Console.Out, Console.Error, parse.GetRequiredValue(key), read, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Del()
    {
        var key = new Argument<string>("KEY");
        var durability = Durability();
        var command = new Command("del", "remove KEY from the cluster (no error if absent); prints the commit token") { key, durability };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await DelAsync(client, Console.Out, parse.GetRequiredValue(key), parse.GetValue(durability), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Scan()
    {
        var prefix = new Option<string?>("--prefix") { Description = "only keys starting with P", HelpName = "P" };
        var from = new Option<string?>("--from") { Description = "first key (inclusive)", HelpName = "A" };
        var to = new Option<string?>("--to") { Description = "end key (exclusive)", HelpName = "B" };
        var limit = CommonOptions.AtLeast("--limit", 0, "print at most N pairs (default all)", int.MaxValue);
        var consistency = Consistency();
        var command = new Command("scan", "print KEY<TAB>VALUE lines in key order across all shards") { prefix, from, to, limit, consistency };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var read = ReadOptionsText.Parse(parse.GetValue(consistency));
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            using var output = TextOutput.StandardOutput();
            var code = await ScanAsync(client, output.Writer, parse.GetValue(prefix), parse.GetValue(from), parse.GetValue(to), parse.GetValue(limit), read, ct).ConfigureAwait(false);
            output.Commit();
            return code;
        });
        return command;
    }

    private static Option<AckPolicy> Durability() => new("--durability")
    {
        Description = "acknowledgements to wait for: None, One, OnePeer, Quorum (default), AllPeers, AllAvailable, All",
        HelpName = "POLICY",
        DefaultValueFactory = _ => AckPolicy.Quorum,
    };

    private static Option<string?> Consistency() => new("--consistency") { Description = ReadOptionsText.Help, HelpName = "C" };

    private static void WriteToken(TextWriter output, CommitToken token) =>
        output.Write($"ok token={CommitTokens.ToHex(token)} gen={token.Gen} master={token.Master.Value} lsn={token.Lsn}\n");

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[]? Optional(string? text) => text is null ? null : Encoding.UTF8.GetBytes(text);
}
