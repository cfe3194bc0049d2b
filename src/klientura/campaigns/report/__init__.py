"""What a campaign or a scenario earned: delivery, opens and clicks; target against control within the attribution
window, with intervals; the ROI after what the messages cost. The purchases come from the orders domain
(:func:`klientura.orders.sales_of`), merged cards are followed to their survivors
(:func:`klientura.customers.survivors_of`)."""

from klientura.campaigns.report.campaign import report
from klientura.campaigns.report.delivery import delivery_of, progress
from klientura.campaigns.report.figures import CampaignReport, Comparison, Figures
from klientura.campaigns.report.out import report_out
from klientura.campaigns.report.period import Earned, earned_between
from klientura.campaigns.report.scenario import scenario_report

__all__ = [
    "CampaignReport",
    "Comparison",
    "Earned",
    "Figures",
    "delivery_of",
    "earned_between",
    "progress",
    "report",
    "report_out",
    "scenario_report",
]
