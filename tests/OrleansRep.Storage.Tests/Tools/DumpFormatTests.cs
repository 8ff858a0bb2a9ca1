using System.Text;
using OrleansRep.Storage.Tests.Support;
using OrleansRep.Storage.Tools;

namespace OrleansRep.Storage.Tests.Tools;

public class DumpFormatTests
{
    private const string PrintHeader = "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n";

    // Every byte 0x00..0xff as db5.3_dump -p prints it (captured from the real tool under LC_ALL=C).
    private const string AllBytesPrinted =
        @"\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f" +
        @" !""#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~" +
        @"\7f\80\81\82\83\84\85\86\87\88\89\8a\8b\8c\8d\8e\8f\90\91\92\93\94\95\96\97\98\99\9a\9b\9c\9d\9e\9f" +
        @"\a0\a1\a2\a3\a4\a5\a6\a7\a8\a9\aa\ab\ac\ad\ae\af\b0\b1\b2\b3\b4\b5\b6\b7\b8\b9\ba\bb\bc\bd\be\bf" +
        @"\c0\c1\c2\c3\c4\c5\c6\c7\c8\c9\ca\cb\cc\cd\ce\cf\d0\d1\d2\d3\d4\d5\d6\d7\d8\d9\da\db\dc\dd\de\df" +
        @"\e0\e1\e2\e3\e4\e5\e6\e7\e8\e9\ea\eb\ec\ed\ee\ef\f0\f1\f2\f3\f4\f5\f6\f7\f8\f9\fa\fb\fc\fd\fe\ff";

    private static readonly byte[] AllBytes = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();

    // ---- exact text -------------------------------------------------------------------------------------------

    [Fact]
    public void Header_without_name_is_db_dump_p_header_without_page_size()
    {
        var text = Write(writer => writer.WriteHeader());

        Assert.Equal(PrintHeader, text);
    }

    [Fact]
    public void Header_with_name_puts_database_between_format_and_type_in_printable_form()
    {
        var text = Write(writer => writer.WriteHeader("fir\\st é"));

        Assert.Equal("VERSION=3\nformat=print\ndatabase=fir\\\\st \\c3\\a9\ntype=btree\nHEADER=END\n", text);
    }

    [Fact]
    public void Small_database_is_written_exactly()
    {
        var text = Write(writer =>
        {
            writer.WriteHeader();
            writer.WritePair("alpha"u8, "a b=c"u8);
            writer.WritePair("back\\slash"u8, ReadOnlySpan<byte>.Empty);
            writer.WritePair(ReadOnlySpan<byte>.Empty, [0x00, 0x0a, 0x0d, 0x7f, 0x80, 0xff]);
            writer.WriteFooter();
        });

        Assert.Equal(
            PrintHeader +
            " alpha\n a b=c\n" +
            " back\\\\slash\n \n" +
            " \n \\00\\0a\\0d\\7f\\80\\ff\n" +
            "DATA=END\n",
            text);
    }

    [Fact]
    public void Every_byte_value_is_encoded_like_db_dump_p()
    {
        var text = Write(writer =>
        {
            writer.WriteHeader();
            writer.WritePair(AllBytes, "x"u8);
            writer.WriteFooter();
        });

        Assert.Equal(PrintHeader + " " + AllBytesPrinted + "\n x\nDATA=END\n", text);
    }

    [Fact]
    public void Lines_end_in_line_feed_even_when_the_writer_uses_crlf()
    {
        using var output = new StringWriter { NewLine = "\r\n" };
        var writer = new DumpWriter(output);
        writer.WriteHeader("n");
        writer.WritePair("k"u8, "v"u8);
        writer.WriteFooter();

        Assert.DoesNotContain('\r', output.ToString());
    }

    [Fact]
    public void Known_print_dump_is_read_exactly()
    {
        var reader = Read(PrintHeader + " " + AllBytesPrinted + "\n x\n \n \nDATA=END\n");

        Assert.Equal(DumpFormat.Print, reader.Format);
        Assert.Null(reader.DatabaseName);
        Assert.True(reader.TryReadPair(out var key, out var value));
        Assert.Equal(AllBytes, key);
        Assert.Equal("x"u8.ToArray(), value);
        Assert.True(reader.TryReadPair(out key, out value));
        Assert.Empty(key);
        Assert.Empty(value);
        Assert.False(reader.TryReadPair(out _, out _));
        Assert.False(reader.TryReadPair(out _, out _));
        Assert.False(reader.TryReadNextDatabase());
    }

    [Fact]
    public void Known_bytevalue_dump_with_db_dump_header_lines_is_read_exactly()
    {
        var reader = Read(
            "VERSION=3\nformat=bytevalue\ndatabase=na\\\\me\ntype=btree\ndb_pagesize=4096\nbt_minkey=2\nrecnum=0\n" +
            "HEADER=END\n 616c706861\n 00ff5c\n \n 3d\nDATA=END\n");

        Assert.Equal(DumpFormat.ByteValue, reader.Format);
        Assert.Equal("na\\me", reader.DatabaseName);
        Assert.Equal("4096", reader.Header["db_pagesize"]);
        Assert.Equal("2", reader.Header["bt_minkey"]);
        Assert.Equal("0", reader.Header["recnum"]);
        Assert.Equal("na\\\\me", reader.Header["database"]);
        Assert.Equal(
            [("616C706861", "00FF5C"), ("", "3D")],
            PairText.InFileOrder(reader.ReadPairs()));
    }

    [Fact]
    public void Header_lines_db_load_accepts_are_kept()
    {
        var reader = Read(
            "VERSION=3\nformat=print\ntype=btree\ndb_pagesize=512\nh_ffactor=8\nh_nelem=100\nextentsize=4\nre_len=10\n" +
            "re_pad=x\nkeys=1\nchksum=1\ncompressed=0\nduplicates=0\ndupsort=0\nrenumber=0\ndb_lorder=1234\n" +
            "heap_regionsize=0\nHEADER=END\nDATA=END\n");

        Assert.Equal(17, reader.Header.Count);
        Assert.Equal("8", reader.Header["h_ffactor"]);
        Assert.Equal("x", reader.Header["re_pad"]);
        Assert.Empty(reader.ReadPairs());
    }

    [Fact]
    public void Partition_keys_after_nparts_are_read_in_the_header_format()
    {
        var reader = Read(
            "VERSION=3\nformat=bytevalue\ntype=btree\ndb_pagesize=4096\nnparts=3\n 6d\n 7a00\nHEADER=END\n 61\n 62\nDATA=END\n");

        Assert.Equal(["6D", "7A00"], reader.PartitionKeys.Select(Convert.ToHexString));
        Assert.Equal([("61", "62")], PairText.InFileOrder(reader.ReadPairs()));
    }

    // ---- round trips ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(20240601)]
    public void Random_binary_pairs_round_trip(int seed)
    {
        var pairs = RandomPairs.Generate(seed, count: 500, includeLong: true);
        pairs.Add((AllBytes, AllBytes));

        var text = Write(writer =>
        {
            writer.WriteHeader();
            foreach (var (key, value) in pairs)
            {
                writer.WritePair(key, value);
            }

            writer.WriteFooter();
        });
        var reader = Read(text);

        Assert.Equal(PairText.InFileOrder(pairs), PairText.InFileOrder(reader.ReadPairs()));
        Assert.False(reader.TryReadNextDatabase());
    }

    [Fact]
    public void Several_named_databases_round_trip_as_separate_sections()
    {
        var first = RandomPairs.Generate(seed: 7, count: 50);
        var second = RandomPairs.Generate(seed: 8, count: 30);
        var text = Write(writer =>
        {
            foreach (var (name, pairs) in new[] { ("first = 1", first), ("zweite \\ ü", second), ("", new()) })
            {
                writer.WriteHeader(name);
                foreach (var (key, value) in pairs)
                {
                    writer.WritePair(key, value);
                }

                writer.WriteFooter();
            }
        });

        var reader = Read(text);
        Assert.Equal("first = 1", reader.DatabaseName);
        Assert.Equal(PairText.InFileOrder(first), PairText.InFileOrder(reader.ReadPairs()));
        Assert.True(reader.TryReadNextDatabase());
        Assert.Equal("zweite \\ ü", reader.DatabaseName);
        Assert.Equal(PairText.InFileOrder(second), PairText.InFileOrder(reader.ReadPairs()));
        Assert.True(reader.TryReadNextDatabase());
        Assert.Equal("", reader.DatabaseName);
        Assert.Empty(reader.ReadPairs());
        Assert.False(reader.TryReadNextDatabase());
    }

    [Fact]
    public void Moving_to_the_next_database_skips_unread_pairs()
    {
        var reader = Read(
            "VERSION=3\nformat=print\ndatabase=a\ntype=btree\nHEADER=END\n k1\n v1\n k2\n v2\nDATA=END\n" +
            "VERSION=3\nformat=print\ndatabase=b\ntype=btree\nHEADER=END\n k3\n v3\nDATA=END\n");

        Assert.True(reader.TryReadPair(out _, out _));
        Assert.True(reader.TryReadNextDatabase());
        Assert.Equal("b", reader.DatabaseName);
        Assert.Equal([("6B33", "7633")], PairText.InFileOrder(reader.ReadPairs()));
    }

    // ---- writer misuse ----------------------------------------------------------------------------------------

    [Fact]
    public void Writer_refuses_calls_out_of_order()
    {
        var writer = new DumpWriter(new StringWriter());

        Assert.Throws<InvalidOperationException>(() => writer.WritePair("k"u8, "v"u8));
        Assert.Throws<InvalidOperationException>(writer.WriteFooter);
        writer.WriteHeader();
        Assert.Throws<InvalidOperationException>(() => writer.WriteHeader());
    }

    [Fact]
    public void Writer_refuses_a_second_database_unless_both_are_named()
    {
        var unnamedFirst = new DumpWriter(new StringWriter());
        unnamedFirst.WriteHeader();
        unnamedFirst.WriteFooter();
        Assert.Throws<InvalidOperationException>(() => unnamedFirst.WriteHeader("b"));

        var unnamedSecond = new DumpWriter(new StringWriter());
        unnamedSecond.WriteHeader("a");
        unnamedSecond.WriteFooter();
        Assert.Throws<InvalidOperationException>(() => unnamedSecond.WriteHeader());
    }

    [Fact]
    public void Writer_refuses_a_database_name_with_nul()
    {
        var writer = new DumpWriter(new StringWriter());

        Assert.Throws<ArgumentException>(() => writer.WriteHeader("a\0b"));
    }

    // ---- malformed input --------------------------------------------------------------------------------------

    public static TheoryData<string, int, string> MalformedDumps => new()
    {
        // Input, line the error names, and a fragment of the message.
        { "", 1, "empty input" },
        { "VERSION=3\nformat=print\ntype=btree\n", 4, "before HEADER=END" },
        { "VERSION=3\nformat=print\ntype=btree\nDATA=END\n", 4, "unknown header keyword \"DATA\"" },
        { "VERSION=3\nformat=print\ntype=btree\n k\n", 4, "expected a header line" },
        { "VERSION=3\nformat=print\ntype=btree\nHEADER=NOPE\n", 4, "expected HEADER=END" },
        { "VERSION=3\nformat=print\ntype=btree\nbogus=1\nHEADER=END\n", 4, "unknown header keyword \"bogus\"" },
        { "VERSION=3\nformat=print\nformat=print\n", 3, "appears twice" },
        { "VERSION=4\nformat=print\ntype=btree\nHEADER=END\n", 1, "VERSION=4" },
        { "format=print\ntype=btree\nHEADER=END\n", 3, "no VERSION line" },
        { "VERSION=3\nformat=print\nHEADER=END\n", 3, "no type= line" },
        { "VERSION=3\nformat=hex\ntype=btree\nHEADER=END\n", 2, "format=hex" },
        { "VERSION=3\nformat=print\ntype=hash\nHEADER=END\n", 3, "type=hash is not supported" },
        { "VERSION=3\nformat=print\ntype=recno\nHEADER=END\n", 3, "type=recno is not supported" },
        { "VERSION=3\nformat=print\ntype=tree\nHEADER=END\n", 3, "type=tree is not a Berkeley DB access method" },
        { "VERSION=3\nformat=print\ntype=btree\nduplicates=1\nHEADER=END\n", 4, "duplicates=1 is not supported" },
        { "VERSION=3\nformat=print\ntype=btree\ndupsort=1\nHEADER=END\n", 4, "dupsort=1 is not supported" },
        { "VERSION=3\nformat=print\ntype=btree\nrecnum=yes\nHEADER=END\n", 4, "must be 0 or 1" },
        { "VERSION=3\nformat=print\ntype=btree\ndb_pagesize=4k\nHEADER=END\n", 4, "non-negative integer" },
        { "VERSION=3\nformat=print\ntype=btree\ndb_pagesize=\nHEADER=END\n", 4, "empty value" },
        { "VERSION=3\nformat=print\ntype=btree\nkeys=0\nHEADER=END\n", 4, "keys=0" },
        { "VERSION=3\nformat=print\ndatabase=\\ff\ntype=btree\nHEADER=END\n", 3, "not valid UTF-8" },
        { "VERSION=3\nformat=print\ntype=btree\nnparts=3\n m\nHEADER=END\n", 6, "expected a data line" },
        { PrintHeader + " k\nDATA=END\n", 5, "key line has no value line (line 6 is DATA=END)" },
        { PrintHeader + " k1\n v1\n k2\n", 7, "key line has no value line (the input ended)" },
        { PrintHeader + "k\n v\nDATA=END\n", 5, "expected a data line starting with a space" },
        { PrintHeader + " k\nv\nDATA=END\n", 6, "expected a data line starting with a space" },
        { PrintHeader + " k\n v\n\nDATA=END\n", 7, "expected a data line starting with a space" },
        { PrintHeader + " k\n v\nDATA=END\n\n", 8, "expected a header line" },
        { PrintHeader + " k\n a\\zzb\nDATA=END\n", 6, "column 3: invalid escape \"\\zz\"" },
        { PrintHeader + " k\n a\\4A\nDATA=END\n", 6, "invalid escape \"\\4A\"" },
        { PrintHeader + " k\n a\\4\nDATA=END\n", 6, "incomplete escape" },
        { PrintHeader + " k\\\n v\nDATA=END\n", 5, "incomplete escape" },
        { PrintHeader + " k\tx\n v\nDATA=END\n", 5, "column 3: unescaped character U+0009" },
        { PrintHeader + " k\n é\nDATA=END\n", 6, "unescaped character U+00E9" },
        { PrintHeader.Replace("\n", "\r\n", StringComparison.Ordinal), 1, "VERSION=3<U+000D> is not supported" },
        { PrintHeader + " k\r\n v\r\nDATA=END\r\n", 5, "unescaped character U+000D" },
        { PrintHeader + " k\n v\n", 7, "input ended before DATA=END" },
        { PrintHeader, 5, "input ended before DATA=END" },
        { "VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 616\n 62\nDATA=END\n", 5, "odd number of hex digits" },
        { "VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 61\n 6g\nDATA=END\n", 6, "column 3: 'g' is not a lowercase hex digit" },
        { "VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 61\n 6A\nDATA=END\n", 6, "'A' is not a lowercase hex digit" },
        { PrintHeader + " k\n v\nDATA=END\nVERSION=3\nformat=print\ndatabase=b\n", 11, "before HEADER=END" },
    };

    [Theory]
    [MemberData(nameof(MalformedDumps))]
    public void Malformed_input_names_its_line(string input, int expectedLine, string expectedFragment)
    {
        var error = Assert.Throws<DumpFormatException>(() => ReadToEnd(input));

        Assert.Equal(expectedLine, error.LineNumber);
        Assert.StartsWith($"dump line {expectedLine}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expectedFragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dump_format_exception_is_a_storage_exception()
    {
        var error = Assert.Throws<DumpFormatException>(() => ReadToEnd("VERSION=3\n"));

        Assert.IsAssignableFrom<StorageException>(error);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static string Write(Action<DumpWriter> write)
    {
        using var output = new StringWriter();
        write(new DumpWriter(output));
        return output.ToString();
    }

    private static DumpReader Read(string text) => new(new StringReader(text));

    private static void ReadToEnd(string text)
    {
        var reader = Read(text);
        do
        {
            foreach (var _ in reader.ReadPairs())
            {
            }
        }
        while (reader.TryReadNextDatabase());
    }
}
