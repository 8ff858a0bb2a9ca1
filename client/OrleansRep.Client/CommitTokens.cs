using OrleansRep.Replication;

namespace OrleansRep.Client;

/// <summary>Commit tokens as bytes (the wire) and as 40 hex digits (for people and scripts: <c>orep put</c> prints
/// one, <c>orep get --consistency atleast:TOKEN</c> takes it back).</summary>
public static class CommitTokens
{
    public static byte[] ToBytes(CommitToken token)
    {
        var bytes = new byte[CommitToken.Size];
        token.WriteTo(bytes);
        return bytes;
    }

    public static string ToHex(CommitToken token) => Convert.ToHexStringLower(ToBytes(token));

    /// <exception cref="FormatException">Not the 40 hex digits of a commit token.</exception>
    public static CommitToken ParseHex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length != 2 * CommitToken.Size || !text.All(char.IsAsciiHexDigit))
        {
            throw new FormatException($"'{text}' is not a commit token ({2 * CommitToken.Size} hex digits)");
        }

        return CommitToken.ReadFrom(Convert.FromHexString(text));
    }
}
