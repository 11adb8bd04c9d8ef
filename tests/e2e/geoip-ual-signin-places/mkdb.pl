# Writes the small MaxMind DB this case reads (Debian libmaxmind-db-writer-perl):
# 198.51.100.0/24 in the US on AS64496, 203.0.113.0/24 in KP on AS64500.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;
my %types = (country => 'map', iso_code => 'utf8_string', autonomous_system_number => 'uint32');
my $tree = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24,
    database_type => 'mailward-test', languages => ['en'], description => { en => 'mailward test' },
    map_key_type_callback => sub { $types{ $_[0] } }, remove_reserved_networks => 0);
$tree->insert_network('198.51.100.0/24', { country => { iso_code => 'US' }, autonomous_system_number => 64496 });
$tree->insert_network('203.0.113.0/24', { country => { iso_code => 'KP' }, autonomous_system_number => 64500 });
open my $fh, '>:raw', $ARGV[0] or die "$ARGV[0]: $!";
$tree->write_tree($fh);
close $fh or die;
