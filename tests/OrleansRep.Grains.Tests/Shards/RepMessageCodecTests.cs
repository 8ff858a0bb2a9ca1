using System.Buffers;
using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Shards;

public sealed class RepMessageCodecTests
{
    private static readonly SiteId From = new(2);

    private static List<RepMessage> Messages()
    {
        var record = new LogRecordView(new Lsn(3, 4096), RecordKind.Commit, new byte[] { 1, 2, 3, 4 });
        var site = new SiteInfo(new SiteId(3), "host:1234", 50);
        return
        [
            new(RepMessageType.Log, From, 7, record.Lsn, RepControl.Perm | RepControl.GroupEstablished, new RecordPayload(record)) { LeaseTime = 123_456 },
            new(RepMessageType.BulkLog, From, 7, record.Lsn, Payload: new BulkPayload([record, record with { Lsn = new Lsn(3, 5000), Kind = RecordKind.Data }])),
            new(RepMessageType.LogReq, From, 7, new Lsn(1, 28), Payload: new RangePayload(new Lsn(2, 0))),
            new(RepMessageType.Vote1, From, 7, Lsn.Zero, Payload: new VotePayload(9, 3, 2, 100, true, 6, new Lsn(5, 6), 0xDEADBEEF, false)),
            new(RepMessageType.Alive, From, 7, Lsn.Zero, Payload: new AlivePayload(8)),
            new(RepMessageType.JoinRequest, From, 7, Lsn.Zero, Payload: new SitePayload(site)),
            new(RepMessageType.Membership, From, 7, Lsn.Zero, Payload: new MembershipPayload([site, site with { Id = new SiteId(4), Address = "é:1" }], 12)),
            new(RepMessageType.Update, From, 7, Lsn.Zero, Payload: new UpdatePayload(new Lsn(1, 2), 77, 5)),
            new(RepMessageType.UpdateReq, From, 7, Lsn.Zero, Payload: new UpdateRequestPayload(true)),
            new(RepMessageType.Page, From, 7, Lsn.Zero, Payload: new ChunkPayload(77, 1, 5, new byte[] { 9, 8 })),
            new(RepMessageType.PageReq, From, 7, Lsn.Zero, Payload: new ChunkRequestPayload(77, 1)),
            new(RepMessageType.LeaseGrant, From, 7, Lsn.Zero, Payload: new LeasePayload(999)),
            new(RepMessageType.NewMaster, From, 7, new Lsn(4, 0), Payload: new NewMasterPayload(new Lsn(3, 28))),
            new(RepMessageType.NewMaster, From, 7, new Lsn(4, 0), Payload: new NewMasterPayload(new Lsn(3, 28), [new GenerationStart(5, new SiteId(3), new Lsn(2, 40)), new GenerationStart(6, From, new Lsn(3, 12))])),
            new(RepMessageType.Heartbeat, From, 7, new Lsn(4, 0)),
        ];
    }

    [Fact]
    public void Every_message_kind_round_trips_in_one_batch()
    {
        var output = new ArrayBufferWriter<byte>();
        var sent = Messages();
        foreach (var m in sent)
        {
            RepMessageCodec.WriteEntry(output, m, SendOptions.Permanent | SendOptions.Anywhere);
        }

        var got = RepMessageCodec.ReadBatch(output.WrittenMemory.ToArray());
        Assert.Equal(sent.Count, got.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.Equal(SendOptions.Permanent | SendOptions.Anywhere, got[i].Flags);
            Assert.Equal(Describe(sent[i]), Describe(got[i].Message));
            Assert.Equal(sent[i].LeaseTime, got[i].Message.LeaseTime);
        }
    }

    [Fact]
    public void Truncated_or_garbled_batches_are_format_errors()
    {
        var output = new ArrayBufferWriter<byte>();
        RepMessageCodec.WriteEntry(output, Messages()[1], SendOptions.None);
        var bytes = output.WrittenMemory.ToArray();
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            Assert.Throws<FormatException>(() => RepMessageCodec.ReadBatch(bytes.AsMemory(0, cut)));
        }

        var random = new Random(5);
        for (var i = 0; i < 2_000; i++)
        {
            var garbled = (byte[])bytes.Clone();
            garbled[random.Next(garbled.Length)] = (byte)random.Next(256);
            try
            {
                RepMessageCodec.ReadBatch(garbled);
            }
            catch (FormatException)
            {
                // Refused: fine. Anything else escaping fails the test.
            }
        }
    }

    // Records compare their payload lists by reference; the text form names every field, frames by length.
    private static string Describe(RepMessage m) => m.Payload switch
    {
        BulkPayload b => m with { Payload = null } + string.Join(",", b.Records.Select(r => r + Convert.ToHexString(r.Frame.Span))),
        MembershipPayload p => m with { Payload = null } + p.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) + string.Join(",", p.Sites),
        RecordPayload r => m + Convert.ToHexString(r.Record.Frame.Span),
        ChunkPayload c => m with { Payload = c with { Data = default } } + Convert.ToHexString(c.Data.Span),
        _ => m.ToString(),
    };
}
