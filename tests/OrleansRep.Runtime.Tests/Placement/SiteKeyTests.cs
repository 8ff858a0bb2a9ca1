using OrleansRep.Runtime.Placement;

namespace OrleansRep.Runtime.Tests.Placement;

public sealed class SiteKeyTests
{
    [Theory]
    [InlineData("shard/3@2", 2)]
    [InlineData("election/0@17", 17)]
    [InlineData("a@b@5", 5)]
    [InlineData("@1", 1)]
    [InlineData("x@2147483647", int.MaxValue)]
    public void A_key_ending_in_at_and_a_positive_number_names_that_site(string key, int expected)
    {
        Assert.True(SiteKey.TryParse(key, out int siteId));
        Assert.Equal(expected, siteId);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("user@example.com")]
    [InlineData("x@")]
    [InlineData("x@0")]
    [InlineData("x@02")]
    [InlineData("x@-2")]
    [InlineData("x@+2")]
    [InlineData("x@2 ")]
    [InlineData("x@2147483648")]
    [InlineData("x@٣")]
    public void Any_other_key_is_not_site_keyed(string key)
    {
        Assert.False(SiteKey.TryParse(key, out int siteId));
        Assert.Equal(0, siteId);
    }

    [Fact]
    public void Format_makes_a_key_that_parses_back_to_its_site()
    {
        string key = SiteKey.Format("shard/1", 42);

        Assert.Equal("shard/1@42", key);
        Assert.True(SiteKey.TryParse(key, out int siteId));
        Assert.Equal(42, siteId);
        Assert.Throws<ArgumentOutOfRangeException>(() => SiteKey.Format("shard/1", 0));
    }
}
