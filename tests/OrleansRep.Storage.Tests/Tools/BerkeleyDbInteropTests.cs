using OrleansRep.Storage.Tests.Support;
using OrleansRep.Storage.Tools;

namespace OrleansRep.Storage.Tests.Tools;

/// <summary>
/// DumpWriter and DumpReader against the real Berkeley DB 5.3 utilities: what we write must load with db5.3_load and
/// dump back unchanged, and what db5.3_dump writes (with and without -p) must read back as the loaded pairs.
/// Each test works in its own temp directory, where db_load also puts its private environment files.
/// </summary>
public class BerkeleyDbInteropTests
{
    private const string Package = "db5.3-util";
    private const string Load = "db5.3_load";
    private const string Dump = "db5.3_dump";

    // A db_load -T input: no header, alternate key and value lines, the escapes of format=print but no leading
    // space. Written out by hand rather than by DumpWriter so that this direction does not depend on our encoder.
    private const string TextInput =
        "apple\n" + "red\n" +
        "key with spaces\n" + "value = with = equals\n" +
        "back\\\\slash\n" + "\\00\\09\\0a\\7f\\80\\ff\n" +
        "empty value\n" + "\n" +
        "\\c3\\a9te\n" + "\\\\\\\\\n";

    private static readonly List<(byte[] Key, byte[] Value)> TextPairs =
    [
        ("apple"u8.ToArray(), "red"u8.ToArray()),
        ("key with spaces"u8.ToArray(), "value = with = equals"u8.ToArray()),
        ("back\\slash"u8.ToArray(), [0x00, 0x09, 0x0a, 0x7f, 0x80, 0xff]),
        ("empty value"u8.ToArray(), []),
        ([0xc3, 0xa9, (byte)'t', (byte)'e'], "\\\\"u8.ToArray()),
    ];

    [RequiresToolFact(Package, Load, Dump)]
    public void Written_dump_loads_into_berkeley_db_and_dumps_back_unchanged()
    {
        using var directory = new TemporaryDirectory("orep-bdb-");
        var pairs = RandomPairs.Generate(seed: 5_300, count: 2_000, includeLong: true);
        var written = WriteDump(("", pairs));
        File.WriteAllText(directory.File("dump.txt"), written);

        ExternalTool.Run(Load, directory.Path, "-f", "dump.txt", "file.db");
        var dumped = ExternalTool.Run(Dump, directory.Path, "-p", "file.db");

        var reader = new DumpReader(new StringReader(dumped));
        Assert.Equal(DumpFormat.Print, reader.Format);
        Assert.Null(reader.DatabaseName);
        Assert.Equal(PairText.InBtreeOrder(pairs), PairText.InFileOrder(reader.ReadPairs()));
        Assert.False(reader.TryReadNextDatabase());

        // Byte for byte, db5.3_dump -p writes what DumpWriter writes for the same pairs in btree order, plus the
        // db_pagesize line DumpWriter leaves out.
        var sorted = pairs.OrderBy(pair => pair.Key, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
        var expected = WriteDump(("", sorted.ToList()))
            .Replace("type=btree\n", "type=btree\ndb_pagesize=4096\n", StringComparison.Ordinal);
        Assert.Equal(expected, dumped);
    }

    [RequiresToolFact(Package, Load, Dump)]
    public void Written_dump_of_several_databases_loads_as_subdatabases()
    {
        using var directory = new TemporaryDirectory("orep-bdb-");
        var first = RandomPairs.Generate(seed: 1, count: 200);
        var second = RandomPairs.Generate(seed: 2, count: 100);
        File.WriteAllText(directory.File("dump.txt"), WriteDump(("orders \\ 1", first), ("naïve=name", second)));

        ExternalTool.Run(Load, directory.Path, "-f", "dump.txt", "file.db");
        var dumped = ExternalTool.Run(Dump, directory.Path, "-p", "file.db");

        // db_dump walks the subdatabases in name order.
        var reader = new DumpReader(new StringReader(dumped));
        Assert.Equal("naïve=name", reader.DatabaseName);
        Assert.Equal(PairText.InBtreeOrder(second), PairText.InFileOrder(reader.ReadPairs()));
        Assert.True(reader.TryReadNextDatabase());
        Assert.Equal("orders \\ 1", reader.DatabaseName);
        Assert.Equal(PairText.InBtreeOrder(first), PairText.InFileOrder(reader.ReadPairs()));
        Assert.False(reader.TryReadNextDatabase());
    }

    [RequiresToolFact(Package, Load, Dump)]
    public void Print_dump_of_a_database_loaded_from_text_is_read()
    {
        using var directory = new TemporaryDirectory("orep-bdb-");
        LoadFromText(directory);

        var dumped = ExternalTool.Run(Dump, directory.Path, "-p", "text.db");

        Assert.StartsWith("VERSION=3\nformat=print\ntype=btree\ndb_pagesize=", dumped, StringComparison.Ordinal);
        var reader = new DumpReader(new StringReader(dumped));
        Assert.Equal(DumpFormat.Print, reader.Format);
        Assert.Equal("btree", reader.Header["type"]);
        Assert.True(reader.Header.ContainsKey("db_pagesize"));
        Assert.Equal(PairText.InBtreeOrder(TextPairs), PairText.InFileOrder(reader.ReadPairs()));
        Assert.False(reader.TryReadNextDatabase());
    }

    [RequiresToolFact(Package, Load, Dump)]
    public void Bytevalue_dump_of_a_database_loaded_from_text_is_read()
    {
        using var directory = new TemporaryDirectory("orep-bdb-");
        LoadFromText(directory);

        var dumped = ExternalTool.Run(Dump, directory.Path, "text.db");

        var reader = new DumpReader(new StringReader(dumped));
        Assert.Equal(DumpFormat.ByteValue, reader.Format);
        Assert.Equal(PairText.InBtreeOrder(TextPairs), PairText.InFileOrder(reader.ReadPairs()));
        Assert.False(reader.TryReadNextDatabase());
    }

    [RequiresToolFact(Package, Load, Dump)]
    public void Partitioned_database_dump_is_read_with_its_partition_keys()
    {
        using var directory = new TemporaryDirectory("orep-bdb-");
        File.WriteAllText(directory.File("dump.txt"),
            "VERSION=3\nformat=print\ntype=btree\nnparts=2\n m\nHEADER=END\n a\n 1\n z\n 2\nDATA=END\n");
        ExternalTool.Run(Load, directory.Path, "-f", "dump.txt", "file.db");

        foreach (var arguments in new[] { new[] { "-p", "file.db" }, ["file.db"] })
        {
            var reader = new DumpReader(new StringReader(ExternalTool.Run(Dump, directory.Path, arguments)));

            Assert.Equal("2", reader.Header["nparts"]);
            Assert.Equal(["6D"], reader.PartitionKeys.Select(Convert.ToHexString));
            Assert.Equal([("61", "31"), ("7A", "32")], PairText.InFileOrder(reader.ReadPairs()));
        }
    }

    private static void LoadFromText(TemporaryDirectory directory)
    {
        File.WriteAllText(directory.File("text.txt"), TextInput);
        ExternalTool.Run(Load, directory.Path, "-T", "-t", "btree", "-f", "text.txt", "text.db");
    }

    private static string WriteDump(params (string Name, List<(byte[] Key, byte[] Value)> Pairs)[] databases)
    {
        using var output = new StringWriter();
        var writer = new DumpWriter(output);
        foreach (var (name, pairs) in databases)
        {
            // An empty name stands for "no name", for the single-database dumps.
            writer.WriteHeader(name.Length == 0 ? null : name);
            foreach (var (key, value) in pairs)
            {
                writer.WritePair(key, value);
            }

            writer.WriteFooter();
        }

        return output.ToString();
    }
}
